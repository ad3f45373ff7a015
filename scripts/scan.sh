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
# One line per scanner and target in $out/summary.txt, the counts the pull-request report quotes
# (npm run pr-report -- --scan out/scan/summary.txt): checkov's own JSON summary beside its
# console output.
summary=$out/summary.txt
: >"$summary"
checkov_scan() { # label checkov-args...
  local label=$1 json
  shift
  json=$out/reports/$(printf '%s' "$label" | tr -c 'A-Za-z0-9.-' '_').json
  mkdir -p "$out/reports"
  echo "checkov $label"
  .venv-scan/bin/checkov "$@" "${checkov_args[@]}" -o cli -o json --output-file-path "console,$json" || status=1
  .venv-scan/bin/python - "$label" "$json" >>"$summary" <<'PY'
import json, sys
label, path = sys.argv[1], sys.argv[2]
data = json.load(open(path))
runs = data if isinstance(data, list) else [data]
total = {k: sum(r.get("summary", {}).get(k, 0) for r in runs) for k in ("passed", "failed", "skipped")}
print(f"checkov {label}: {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
PY
}
for dir in "$out"/*/manifests; do
  render_name=$(basename "$(dirname "$dir")")
  checkov_scan "kubernetes $render_name" -d "$dir" --framework kubernetes
  echo "kubernetes-validate --strict (Kubernetes $KUBERNETES_VERSION): $dir"
  files=("$dir"/*.yaml)
  if .venv-scan/bin/kubernetes-validate --strict --quiet --no-warn -k "$KUBERNETES_VERSION" "${files[@]}"; then
    echo "kubernetes-validate $render_name: ${#files[@]} files valid" >>"$summary"
  else
    status=1
    echo "kubernetes-validate $render_name: failed (see the job log)" >>"$summary"
  fi
done
checkov_scan "dockerfile app/Dockerfile" -f app/Dockerfile --framework dockerfile
checkov_scan "github_actions .github/workflows" -d .github/workflows --framework github_actions
# Offline: no GitHub API calls (the online audits need a token); skips are inline comments.
echo "zizmor: .github"
if .venv-scan/bin/zizmor --offline --quiet .github; then
  echo "zizmor .github: no findings" >>"$summary"
else
  status=1
  echo "zizmor .github: findings (see the job log)" >>"$summary"
fi
[ "$status" = 0 ] && echo "scanners: no failed check"
exit "$status"
