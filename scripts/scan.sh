#!/usr/bin/env bash
# Scanners over what `npm run synth` renders for every stack (and the switches that add
# objects), with the objects of the Helm charts those renders install (scripts/renderCharts.ts),
# offline: checkov (kubernetes, dockerfile, github_actions) and kubernetes-validate in strict mode
# for the clusters' Kubernetes version; zizmor over the workflows, the composite action and
# dependabot.yml. Zero failed checks; the few that do not fit are skipped on the object with the
# reason (components/k8s/specs/scannerSkips.ts and, for the KEDA chart, KEDA_SCANNER_SKIPS in
# components/k8s/kedaChart.ts; docs/security.md lists both).
set -euo pipefail
cd "$(dirname "$0")/.."

KUBERNETES_VERSION=${KUBERNETES_VERSION:-1.33.0}
[ -x .venv-scan/bin/checkov ] || python3 -m venv .venv-scan
.venv-scan/bin/python -m pip install --quiet --disable-pip-version-check -r scanner-requirements/requirements.txt
.venv-scan/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes \
  -r scanner-requirements/zizmor-requirements.txt

out=out/scan
rm -rf "$out"
render() { # name stack [--config ...]
  local name=$1 stack=$2
  shift 2
  npx --no-install tsx scripts/synth.ts --stack "$stack" --out "$out/$name" "$@" >/dev/null
}
for stack in $(find . -maxdepth 1 -name 'Pulumi.*.yaml' -printf '%f\n' | sed 's/^Pulumi\.\(.*\)\.yaml$/\1/' | sort); do
  render "$stack" "$stack"
done
render minikube-extras minikube --config django-k8s:loadGenerator=true --config django-k8s:workerAutoscaling=queue \
  --config django-k8s:devMode=true
render prod-extras prod --config django-k8s:loadGenerator=true --config django-k8s:workerAutoscaling=queue \
  --config django-k8s:sentryDsn=https://abc123@o1.ingest.sentry.io/42
# Previews (docs/previews.md): dev as their parent (the shared Gateway), and a preview of each parent.
render dev-previews dev --config django-k8s:previewDomain=preview.example.com
render pr-12-of-dev pr-12 --config django-k8s:previewParent=dev \
  --config "django-k8s:image=europe-docker.pkg.dev/p/r/app@sha256:$(printf 'b%.0s' {1..64})" \
  --parent-config django-k8s:previewDomain=preview.example.com
render pr-12-of-minikube pr-12 --config django-k8s:previewParent=minikube
# What the renders' Helm Releases install (KEDA, in the extras renders): under mocks a Release is
# one object, so helm template writes the chart's objects beside each render's manifests
# (helm.*.yaml), with the Release's own values, for the scanners below.
render_dirs=()
for dir in "$out"/*/; do render_dirs+=(--out "${dir%/}"); done
npx --no-install tsx scripts/renderCharts.ts --kube-version "$KUBERNETES_VERSION" "${render_dirs[@]}"

# Offline: no update check, no policy download, no repository mapping lookups.
export BC_SKIP_MAPPING=TRUE CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false
checkov_args=(--compact --quiet --skip-download)
status=0
for dir in "$out"/*/manifests; do
  echo "checkov kubernetes: $dir"
  .venv-scan/bin/checkov -d "$dir" --framework kubernetes "${checkov_args[@]}" || status=1
  echo "kubernetes-validate --strict (Kubernetes $KUBERNETES_VERSION): $dir"
  .venv-scan/bin/kubernetes-validate --strict --quiet --no-warn -k "$KUBERNETES_VERSION" "$dir"/*.yaml || status=1
done
echo "checkov dockerfile: app/Dockerfile"
.venv-scan/bin/checkov -f app/Dockerfile --framework dockerfile "${checkov_args[@]}" || status=1
echo "checkov github_actions: .github/workflows"
.venv-scan/bin/checkov -d .github/workflows --framework github_actions "${checkov_args[@]}" || status=1
# Offline: no GitHub API calls (the online audits need a token); skips are inline comments.
echo "zizmor: .github"
.venv-scan/bin/zizmor --offline --quiet .github || status=1
[ "$status" = 0 ] && echo "scanners: no failed check"
exit "$status"
