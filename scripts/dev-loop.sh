#!/usr/bin/env bash
# The daily loop: your app/ mounted into minikube, the stack in dev mode (runserver and a
# reloading Celery worker on that mount, DEBUG on), and port-forwards for the browser and
# psql. Edit code, reload the page. Ctrl-C stops the mount and the port-forwards.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/local-pulumi.sh

SOURCE_PATH=$(pulumi config get devSourcePath 2>/dev/null || echo /mnt/django-src)
pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "stopping the mount and the port-forwards (the stack keeps running; 'npm run pulumi -- config set django-k8s:devMode false && bash scripts/minikube-up.sh' returns to the image's code)"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

# The app's UID owns the files inside the node, so the restricted pods can read them.
minikube mount "$PWD/app:$SOURCE_PATH" --uid 10001 --gid 10001 >/tmp/django-k8s-mount.log 2>&1 &
pids+=($!)
for _ in $(seq 1 30); do
  minikube ssh -- "test -f '$SOURCE_PATH/manage.py'" 2>/dev/null && break
  sleep 1
done
minikube ssh -- "test -f '$SOURCE_PATH/manage.py'" || { echo "minikube mount did not come up; see /tmp/django-k8s-mount.log" >&2; exit 1; }

pulumi up --yes --stack "$STACK" --config django-k8s:devMode=true "$@"

forward() { # service local-port remote-port
  kubectl -n "$NAMESPACE" port-forward "svc/$1" "$2:$3" >/dev/null 2>&1 &
  pids+=($!)
}
forward web 8000 80
forward flower 5555 5555
forward postgres 5432 5432

cat <<EOT

dev loop running (Ctrl-C to stop):
  app        http://localhost:8000/            (runserver, reloads on save)
  flower     http://localhost:5555/            user $(pulumi stack output flowerUser), password: npm run pulumi -- stack output flowerPassword --show-secrets
  postgres   psql "postgresql://app:\$(kubectl -n $NAMESPACE get secret postgres-credentials -o jsonpath='{.data.POSTGRES_PASSWORD}' | base64 -d)@localhost:5432/app"
  manage.py  kubectl -n $NAMESPACE exec -it deploy/web -- python manage.py <command>
  logs       kubectl -n $NAMESPACE logs -f deploy/web   (or deploy/celery-worker)
EOT
wait
