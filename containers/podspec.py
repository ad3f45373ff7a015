"""From the rendered Kubernetes objects to `podman run` arguments, as the kubelet would run them.

Pure functions over the objects `npm run synth` renders (manifests/*.yaml, converted to JSON by
manifests-to-json.mjs): which workload is which role, the container's environment (env and
envFrom, with ConfigMap and Secret values), its secret/ConfigMap files with their modes and
fsGroup ownership, user and groups, read-only root, capabilities, no-new-privileges, emptyDirs
as tmpfs, CPU and memory limits. Anything the pod spec asks for that this file cannot
reproduce is an error naming the role and the field, never silently dropped.

Also the deliberate breakages (`mutate`) the self-test uses to prove the checks can fail.
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

SECRET_PLACEHOLDER = "[secret]"  # what synth writes for a Pulumi secret
COMPONENT_LABEL = "app.kubernetes.io/component"
ROLE_ORDER = ("migrate", "web", "worker", "beat", "flower")


class SpecError(Exception):
    """Something in a rendered spec the container test cannot run as written."""


@dataclass
class Role:
    name: str  # web, worker, ... (the workload's component label)
    kind: str  # Deployment or Job
    workload: str  # metadata.name
    pod: dict
    container: dict
    grace_seconds: int = 30  # terminationGracePeriodSeconds, Kubernetes' default when unset

    @property
    def security(self) -> dict:
        """The container's effective security context: its own fields over the pod's."""
        merged = {k: v for k, v in (self.pod.get("securityContext") or {}).items() if k != "fsGroup"}
        merged.update(self.container.get("securityContext") or {})
        return merged


@dataclass
class Objects:
    by_kind: dict[str, dict[str, dict]] = field(default_factory=dict)

    def get(self, kind: str, name: str, role: str) -> dict:
        try:
            return self.by_kind[kind][name]
        except KeyError:
            raise SpecError(
                f"{role}: the pod spec refers to {kind} {name!r}, which the stack does not render"
            ) from None


def load_objects(path: str | Path) -> Objects:
    objects = Objects()
    for obj in json.loads(Path(path).read_text()):
        objects.by_kind.setdefault(obj["kind"], {})[obj["metadata"]["name"]] = obj
    return objects


def app_roles(objects: Objects) -> dict[str, Role]:
    """The migrate Job and the Deployments that run the app image, keyed by component label."""
    candidates = list(objects.by_kind.get("Job", {}).values()) + list(objects.by_kind.get("Deployment", {}).values())
    web = next((d for d in candidates if d["metadata"].get("labels", {}).get(COMPONENT_LABEL) == "web"), None)
    if web is None:
        raise SpecError("no Deployment labelled app.kubernetes.io/component=web: cannot tell which image is the app's")
    app_image = web["spec"]["template"]["spec"]["containers"][0]["image"]
    roles: dict[str, Role] = {}
    for workload in candidates:
        pod = workload["spec"]["template"]["spec"]
        containers = [c for c in pod["containers"] if c["image"] == app_image]
        if not containers:
            continue
        name = workload["metadata"].get("labels", {}).get(COMPONENT_LABEL) or workload["metadata"]["name"]
        if len(containers) > 1 or pod.get("initContainers"):
            raise SpecError(f"{name}: more than one app container in the pod; the container test runs one per role")
        roles[name] = Role(
            name=name,
            kind=workload["kind"],
            workload=workload["metadata"]["name"],
            pod=pod,
            container=containers[0],
            grace_seconds=int(pod.get("terminationGracePeriodSeconds", 30)),
        )
    missing = [r for r in ROLE_ORDER if r not in roles]
    if missing:
        raise SpecError(f"the stack renders no workload for role(s) {', '.join(missing)} running {app_image}")
    return roles


# --- values -------------------------------------------------------------------------------


def resolve_values(obj: dict) -> dict[str, str]:
    """A ConfigMap's or Secret's key/values (stringData over base64 data, as the API server merges)."""
    import base64

    values = (
        {k: base64.b64decode(v).decode() for k, v in (obj.get("data") or {}).items()} if obj["kind"] == "Secret" else {}
    )
    if obj["kind"] == "ConfigMap":
        values.update(obj.get("data") or {})
    values.update(obj.get("stringData") or {})
    return values


def container_env(role: Role, objects: Objects, values_of) -> dict[str, str]:
    """env over envFrom, like the kubelet. `values_of(kind, name)` gives the (test) values."""
    env: dict[str, str] = {}
    for source in role.container.get("envFrom") or []:
        prefix = source.get("prefix", "")
        for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            if key in source:
                ref = source[key]["name"]
                objects.get(kind, ref, role.name)
                env.update({prefix + k: v for k, v in values_of(kind, ref).items()})
    for var in role.container.get("env") or []:
        if "value" in var:
            env[var["name"]] = str(var["value"])
            continue
        source = var.get("valueFrom") or {}
        for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
            if key in source:
                ref = source[key]
                objects.get(kind, ref["name"], role.name)
                values = values_of(kind, ref["name"])
                if ref["key"] not in values:
                    raise SpecError(
                        f"{role.name}: env {var['name']} reads key {ref['key']!r} missing from {kind} {ref['name']}"
                    )
                env[var["name"]] = values[ref["key"]]
                break
        else:
            if source:
                raise SpecError(f"{role.name}: env {var['name']} uses valueFrom {sorted(source)}, not supported here")
            env[var["name"]] = ""
    return env


# --- quantities ---------------------------------------------------------------------------

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
_DECIMAL = {"k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "": 1}


def memory_bytes(quantity: str) -> int:
    match = re.fullmatch(r"([0-9.]+)(Ki|Mi|Gi|Ti|k|M|G|T|)", str(quantity))
    if not match:
        raise SpecError(f"memory quantity {quantity!r} is not understood")
    number, unit = match.groups()
    return int(float(number) * (_BINARY.get(unit) or _DECIMAL[unit]))


def cpu_cores(quantity: str) -> float:
    text = str(quantity)
    return int(text[:-1]) / 1000 if text.endswith("m") else float(text)


# --- podman arguments ---------------------------------------------------------------------


@dataclass
class RunPlan:
    args: list[str]  # podman run options, without the image and command
    command: list[str]  # image reference, then the arguments after it
    files: dict[str, tuple[bytes, int, int]]  # host path -> (content, mode, gid) to write first
    ports: dict[int, int]  # container port -> host port
    writable: list[str]  # paths the pod spec makes writable
    memory_limit: int | None
    cpu_limit: float | None


def plan_run(role: Role, objects: Objects, values_of, env: dict[str, str], host_dir: Path, free_port) -> RunPlan:
    sec = role.security
    pod_sec = role.pod.get("securityContext") or {}
    uid, gid = sec.get("runAsUser"), sec.get("runAsGroup")
    if sec.get("runAsNonRoot") and (uid is None or int(uid) == 0):
        raise SpecError(
            f"{role.name}: runAsNonRoot is set but runAsUser is {uid!r}; the kubelet would refuse to start it"
        )
    fs_group = pod_sec.get("fsGroup")
    args: list[str] = []
    if uid is not None:
        args += ["--user", f"{uid}:{gid if gid is not None else 0}"]
    groups = [fs_group] if fs_group is not None else []
    groups += pod_sec.get("supplementalGroups") or []
    for group in groups:
        args += ["--group-add", str(group)]
    if sec.get("readOnlyRootFilesystem"):
        # --read-only-tmpfs=false: podman would otherwise add writable /tmp, /var/tmp and /run.
        args += ["--read-only", "--read-only-tmpfs=false"]
    caps = sec.get("capabilities") or {}
    for cap in caps.get("drop") or []:
        args += ["--cap-drop", cap]
    for cap in caps.get("add") or []:
        args += ["--cap-add", cap]
    if sec.get("allowPrivilegeEscalation") is False:
        args += ["--security-opt", "no-new-privileges"]
    if sec.get("privileged"):
        raise SpecError(f"{role.name}: privileged containers are not run by the container test")
    seccomp = (sec.get("seccompProfile") or {}).get("type")
    if seccomp not in (None, "RuntimeDefault"):
        raise SpecError(
            f"{role.name}: seccompProfile {seccomp!r} is not supported here (RuntimeDefault is podman's default)"
        )

    limits = (role.container.get("resources") or {}).get("limits") or {}
    memory = memory_bytes(limits["memory"]) if "memory" in limits else None
    cpus = cpu_cores(limits["cpu"]) if "cpu" in limits else None
    if memory is not None:
        args += ["--memory", str(memory), "--memory-swap", str(memory)]  # no swap, as on a kubelet node
    if cpus is not None:
        args += ["--cpus", f"{cpus:g}"]

    files: dict[str, tuple[bytes, int, int]] = {}
    writable: list[str] = []
    volumes = {v["name"]: v for v in role.pod.get("volumes") or []}
    for mount in role.container.get("volumeMounts") or []:
        volume = volumes.get(mount["name"])
        if volume is None:
            raise SpecError(f"{role.name}: volumeMount {mount['name']!r} names no volume of the pod")
        if mount.get("subPath"):
            raise SpecError(f"{role.name}: volumeMount {mount['name']!r} uses subPath, not supported here")
        target = mount["mountPath"]
        read_only = bool(mount.get("readOnly"))
        if "emptyDir" in volume:
            size = volume["emptyDir"].get("sizeLimit")
            options = ["ro" if read_only else "rw", "exec", "mode=1777"]
            if size:
                options.append(f"size={memory_bytes(size)}")
            args += ["--tmpfs", f"{target}:{','.join(options)}"]
            if not read_only:
                writable.append(target)
        elif "secret" in volume or "configMap" in volume:
            kind, source = ("Secret", volume["secret"]) if "secret" in volume else ("ConfigMap", volume["configMap"])
            ref = source.get("secretName") or source.get("name")
            objects.get(kind, ref, role.name)
            values = values_of(kind, ref)
            default_mode = int(source.get("defaultMode", 0o644))
            items = source.get("items") or [{"key": k, "path": k} for k in values]
            directory = host_dir / mount["name"]
            for item in items:
                if item["key"] not in values:
                    raise SpecError(
                        f"{role.name}: volume {mount['name']} wants key {item['key']!r} missing from {kind} {ref}"
                    )
                mode = int(item.get("mode", default_mode))
                # The kubelet gives files of a volume the pod's fsGroup and makes them group-readable.
                if fs_group is not None:
                    mode |= 0o440
                files[str(directory / item["path"])] = (values[item["key"]].encode(), mode, int(fs_group or 0))
            args += ["--volume", f"{directory}:{target}:ro"]  # Secret and ConfigMap volumes are always read-only
        else:
            raise SpecError(
                f"{role.name}: volume {mount['name']!r} of type {sorted(set(volume) - {'name'})} is not supported"
            )

    ports: dict[int, int] = {}
    for port in role.container.get("ports") or []:
        ports[int(port["containerPort"])] = free_port()
        args += ["--publish", f"127.0.0.1:{ports[int(port['containerPort'])]}:{port['containerPort']}"]
    if role.container.get("workingDir"):
        args += ["--workdir", role.container["workingDir"]]
    env_file = host_dir / "env"
    files[str(env_file)] = ("".join(f"{k}={v}\n" for k, v in env.items()).encode(), 0o600, 0)
    if any("\n" in v for v in env.values()):
        raise SpecError(f"{role.name}: an environment value spans lines; podman's env file cannot carry it")
    args += ["--env-file", str(env_file)]

    image = role.container["image"]
    command, arguments = role.container.get("command"), role.container.get("args")
    run_command: list[str] = []
    if command:  # command replaces the image's ENTRYPOINT, args its CMD, as in Kubernetes
        args += ["--entrypoint", json.dumps(command)]
    run_command = [image] + list(arguments or [])
    return RunPlan(args, run_command, files, ports, writable, memory, cpus)


def write_files(files: dict[str, tuple[bytes, int, int]]) -> None:
    for path, (content, mode, gid) in files.items():
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(target.parent, 0o755)
        target.write_bytes(content)
        os.chown(target, 0, gid)
        os.chmod(target, mode)


def port_of(role: Role, port: int | str) -> int:
    """A probe's port: a number, or the name of one of the container's ports."""
    if isinstance(port, int) or str(port).isdigit():
        return int(port)
    for declared in role.container.get("ports") or []:
        if declared.get("name") == port:
            return int(declared["containerPort"])
    raise SpecError(f"{role.name}: a probe names port {port!r}, which the container does not declare")


# --- deliberate breakage, for the self-test -------------------------------------------------

MUTATIONS = {
    "env-name": "renames the REDIS_URL_FILE variable to REDIS_URI_FILE (a misspelt variable)",
    "readonly-tmp": "mounts the /tmp emptyDir read-only",
    "unreadable-uid": "runs as UID/GID 4242 without the fsGroup, so the secret files cannot be read",
}


def mutate(roles: dict[str, Role], case: str, role_name: str) -> str:
    """Breaks one role's spec on purpose; returns what was done."""
    if case not in MUTATIONS:
        raise SpecError(f"--mutate {case!r}: unknown case; use one of {', '.join(MUTATIONS)}")
    if role_name not in roles:
        raise SpecError(f"--mutate {case}:{role_name}: no such role; use one of {', '.join(roles)}")
    role = roles[role_name]
    role.pod = copy.deepcopy(role.pod)
    role.container = copy.deepcopy(role.container)
    if case == "env-name":
        names = [v["name"] for v in role.container.get("env") or []]
        if "REDIS_URL_FILE" not in names:
            raise SpecError(f"{role_name}: has no REDIS_URL_FILE variable to misspell")
        for var in role.container["env"]:
            if var["name"] == "REDIS_URL_FILE":
                var["name"] = "REDIS_URI_FILE"
    elif case == "readonly-tmp":
        mounts = [m for m in role.container.get("volumeMounts") or [] if m["mountPath"] == "/tmp"]
        if not mounts:
            raise SpecError(f"{role_name}: mounts nothing at /tmp to make read-only")
        mounts[0]["readOnly"] = True
    else:
        sec = role.pod.setdefault("securityContext", {})
        sec.update(runAsUser=4242, runAsGroup=4242)
        sec.pop("fsGroup", None)
        for key in ("runAsUser", "runAsGroup"):
            (role.container.get("securityContext") or {}).pop(key, None)
    return f"{role_name}: {MUTATIONS[case]}"
