"""What the engine test reads back from the local cluster, through kubectl (context django-k8s-local).

    python cluster/cluster_state.py ready --namespace django
    python cluster/cluster_state.py podsecurity --namespace django
    python cluster/cluster_state.py gone --namespace django
    python cluster/cluster_state.py dry-run --objects <objects.json> --label dev
        (objects.json: node containers/manifests-to-json.mjs <synth out>/manifests)

Each prints its counts and exits 1 when the cluster is not as the check says.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys
import time

CONTEXT = "django-k8s-local"


def kubectl(*args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["kubectl", "--context", CONTEXT, *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if check and result.returncode != 0:
        sys.exit(f"kubectl {' '.join(args)} failed: {result.stderr.strip()}")
    return result


def items(kind: str, namespace: str | None) -> list[dict]:
    scope = ["-n", namespace] if namespace else []
    return json.loads(kubectl("get", kind, *scope, "-o", "json").stdout)["items"]


def ready(namespace: str) -> int:
    """Every object the provider waited for is as it promised: nothing pending, nothing failing."""
    problems: list[str] = []
    deployments = items("deployments", namespace)
    for d in deployments:
        want, have = (
            d["spec"].get("replicas", 1),
            d["status"].get("availableReplicas", 0),
        )
        if have < want:
            problems.append(f"Deployment {d['metadata']['name']}: {have}/{want} available")
    statefulsets = items("statefulsets", namespace)
    for s in statefulsets:
        want, have = s["spec"].get("replicas", 1), s["status"].get("readyReplicas", 0)
        if have < want:
            problems.append(f"StatefulSet {s['metadata']['name']}: {have}/{want} ready")
    claims = items("persistentvolumeclaims", namespace)
    for c in claims:
        if c["status"].get("phase") != "Bound":
            problems.append(f"PersistentVolumeClaim {c['metadata']['name']}: {c['status'].get('phase')}")
    jobs = items("jobs", namespace)
    for j in jobs:
        done = any(c["type"] == "Complete" and c["status"] == "True" for c in j["status"].get("conditions", []))
        if not done:
            problems.append(f"Job {j['metadata']['name']}: not complete")
    services = [s for s in items("services", namespace) if s["spec"].get("selector")]
    slices = items("endpointslices", namespace)
    for s in services:
        name = s["metadata"]["name"]
        ready_endpoints = sum(
            1
            for es in slices
            if es["metadata"].get("labels", {}).get("kubernetes.io/service-name") == name
            for e in es.get("endpoints") or []
            if e.get("conditions", {}).get("ready")
        )
        if ready_endpoints == 0:
            problems.append(f"Service {name}: no ready endpoint")
    print(
        f"  cluster: {len(deployments)} Deployments available, {len(statefulsets)} StatefulSets ready, "
        f"{len(claims)} claims bound, {len(jobs)} Jobs complete, {len(services)} Services with endpoints"
    )
    for problem in problems:
        print(f"  NOT READY: {problem}")
    return 1 if problems else 0


# No security context at all: nothing but PodSecurity "restricted" refuses it (a privileged pod
# could be refused earlier, by an API server started without --allow-privileged).
NON_COMPLIANT_POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "engine-test-noncompliant"},
    "spec": {"containers": [{"name": "c", "image": "busybox"}]},
}


def podsecurity(namespace: str) -> int:
    """The namespace enforces PodSecurity "restricted": a pod without a security context is refused."""
    labels = json.loads(kubectl("get", "namespace", namespace, "-o", "json").stdout)["metadata"]["labels"]
    print(f"  namespace {namespace}: enforce={labels.get('pod-security.kubernetes.io/enforce')}")
    result = kubectl(
        "-n",
        namespace,
        "apply",
        "-f",
        "-",
        stdin=json.dumps(NON_COMPLIANT_POD),
        check=False,
    )
    if result.returncode == 0:
        kubectl(
            "-n",
            namespace,
            "delete",
            "pod",
            NON_COMPLIANT_POD["metadata"]["name"],
            "--wait=false",
            check=False,
        )
        print("  a pod without a security context was ADMITTED")
        return 1
    reason = result.stderr.strip().splitlines()[0] if result.stderr.strip() else "(no message)"
    print(f"  a pod without a security context was refused: {reason[:240]}")
    return 0 if "violates PodSecurity" in result.stderr else 1


def gone(namespace: str, timeout_s: float = 120) -> int:
    """Nothing of the stack is left: its namespace is gone, and so is every object labelled as the stack's."""
    deadline = time.monotonic() + timeout_s
    while kubectl("get", "namespace", namespace, check=False).returncode == 0:
        if time.monotonic() > deadline:
            print(f"  namespace {namespace} still there after {timeout_s:.0f} s")
            return 1
        time.sleep(1)
    left = [
        f"{o['kind']} {o['metadata']['name']}"
        for kind in (
            "persistentvolumes",
            "clusterroles",
            "clusterrolebindings",
            "namespaces",
        )
        for o in items(kind, None)
        if o["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") == "django-k8s"
    ]
    print(f"  namespace {namespace} gone; cluster-scoped objects of the stack left: {len(left)}")
    for thing in left:
        print(f"    left: {thing}")
    return 1 if left else 0


def known_kinds() -> set[str]:
    """Kinds this API server serves. GKE's own (BackendConfig, ManagedCertificate, PodMonitoring)
    and an operator's (KEDA's ScaledObject) are unknown unless their definitions are installed."""
    return {line.split()[-1] for line in kubectl("api-resources", "--no-headers").stdout.splitlines() if line.strip()}


# Warnings the API server gives for a rendered object that are expected, each with its reason.
EXPECTED_WARNINGS = {
    'annotation "kubernetes.io/ingress.class" is deprecated': (
        "GKE's own Ingress controller is chosen by this annotation only (components/gcp/WebIngress.ts)"
    ),
}


def dry_run(objects_file: pathlib.Path, label: str) -> int:
    """Every rendered object through the API server's full admission and validation, not persisted.

    A namespaced object cannot be dry-run into a namespace that does not exist, so the stack's
    own Namespace objects are applied for real first (as the stack would create them), then
    deleted, waiting until they are gone so the next render starts from the same cluster."""
    objects = [(f"{o['kind']} {o['metadata']['name']}", o) for o in json.loads(objects_file.read_text())]
    kinds = known_kinds()
    accepted, refused, skipped, expected = 0, [], [], []
    created = []
    try:
        for name, obj in sorted(objects, key=lambda item: item[1]["kind"] != "Namespace"):
            if obj["kind"] not in kinds:
                skipped.append(name)
                continue
            real = (
                obj["kind"] == "Namespace"
                and kubectl("get", "namespace", obj["metadata"]["name"], check=False).returncode != 0
            )
            flags = [] if real else ["--dry-run=server"]
            result = kubectl("apply", *flags, "-f", "-", stdin=json.dumps(obj), check=False)
            if real and result.returncode == 0:
                created.append(obj["metadata"]["name"])
            warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
            unexpected = [w for w in warnings if not any(known in w for known in EXPECTED_WARNINGS)]
            expected += [
                f"{name}: {reason}" for known, reason in EXPECTED_WARNINGS.items() if any(known in w for w in warnings)
            ]
            if result.returncode == 0 and not unexpected:
                accepted += 1
            else:
                refused.append(f"{name}: {result.stderr.strip()[:300]}")
    finally:
        for ns in created:
            kubectl("delete", "namespace", ns, "--wait=true", "--timeout=120s", check=False)
    print(
        f"  {label}: {len(objects)} objects, {accepted} accepted by the API server "
        f"({len(created)} namespace created for real, the rest by a server-side dry run), "
        f"{len(refused)} refused or warned, {len(skipped)} skipped"
    )
    for thing in refused:
        print(f"    REFUSED: {thing}")
    for thing in expected:
        print(f"    accepted with an expected warning: {thing}")
    if skipped:
        print(f"    skipped (kind unknown to this API server: GKE's or an operator's CRD): {', '.join(skipped)}")
    return 1 if refused else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("check", choices=["ready", "podsecurity", "gone", "dry-run"])
    parser.add_argument("--namespace", default="django")
    parser.add_argument("--objects", type=pathlib.Path)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    if args.check == "ready":
        return ready(args.namespace)
    if args.check == "podsecurity":
        return podsecurity(args.namespace)
    if args.check == "gone":
        return gone(args.namespace)
    if not args.objects or not args.objects.is_file():
        parser.error(f"--objects must be a JSON file of objects, got {args.objects}")
    return dry_run(args.objects, args.label)


if __name__ == "__main__":
    sys.exit(main())
