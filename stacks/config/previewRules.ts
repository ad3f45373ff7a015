/**
 * The rules of preview stacks (docs/previews.md). A preview is named pr-<number> and sets
 * previewParent; it reuses its parent's cluster, database server and Redis, so the keys that
 * shape those (and the keys that size its previews) belong to the parent: set on a preview,
 * they would be silently ignored, so they are refused naming the key.
 */
import { PREVIEW_STACK } from "../previewContract";
import { type ConfigKey, type ConfigValues, qualified as key } from "./keys";

type Valid = Partial<ConfigValues>;

/**
 * What a preview may set itself: which platform its parent is on, the image it runs, and how
 * the app inside it is tuned. Everything else comes from the parent.
 */
export const PREVIEW_KEYS: readonly ConfigKey[] = [
  "platform",
  "previewParent",
  "image",
  "sentryDsn",
  "flowerUser",
  "webCpuRequest",
  "webCpuLimit",
  "webMemory",
  "workerCpuRequest",
  "workerCpuLimit",
  "workerMemory",
  "workerShutdownSeconds",
  "taskTimeLimitSeconds",
  "visibilityTimeoutSeconds",
];

/** The parent's keys about its previews: set there, exported to every preview as previewSettings. */
const PARENT_PREVIEW_KEYS: readonly ConfigKey[] = [
  "previewDomain",
  "previewTtlHours",
  "previewMax",
  "previewWebReplicas",
  "previewWorkerReplicas",
  "previewMaxReplicas",
];

/** Why a key is refused on a preview, where more can be said than "it is the parent's". */
const WHY_NOT_ON_A_PREVIEW: Partial<Record<ConfigKey, string>> = {
  webReplicas: "a preview's size is its parent's previewWebReplicas",
  workerReplicas: "a preview's size is its parent's previewWorkerReplicas",
  webMaxReplicas: "a preview's autoscaling is capped by its parent's previewMaxReplicas",
  workerMaxReplicas: "a preview's autoscaling is capped by its parent's previewMaxReplicas",
  workerAutoscaling: "a preview's worker scales on CPU (KEDA is the parent's, one per cluster)",
  loadGenerator: "previews run no load generator",
  loadGeneratorRate: "previews run no load generator",
  namespace: "a preview's namespace is its stack name",
  environment: "a preview is always a development environment",
  allowedHosts: "a preview's host is pr-<number>.<previewDomain>, or any host on a minikube NodePort",
  devMode: "a preview runs its image, not a host mount",
};

/** Every problem of a preview's name and keys, and of a parent's preview keys. */
export function previewProblems(v: Valid, stack: string, setKeys: readonly ConfigKey[]): string[] {
  if (!v.previewParent) {
    return [
      ...(PREVIEW_STACK.test(stack)
        ? [
            `${key("previewParent")}: is empty on stack ${stack}, named like a preview; a preview stack sets the ` +
              `stack it previews (npm run pulumi -- config set ${key("previewParent")} dev --stack ${stack})`,
          ]
        : []),
      ...parentProblems(v),
    ];
  }
  const problems: string[] = [];
  if (!PREVIEW_STACK.test(stack))
    problems.push(
      `${key("previewParent")}: set to ${JSON.stringify(v.previewParent)} on stack ${stack}; a preview stack ` +
        "must be named pr-<pull request number>, such as pr-12",
    );
  if (PREVIEW_STACK.test(v.previewParent) || v.previewParent === stack)
    problems.push(
      `${key("previewParent")}: got ${JSON.stringify(v.previewParent)}; expected the stack previews reuse ` +
        "(dev, minikube), not a preview or the stack itself",
    );
  if (v.platform === "gcp" && v.image === "")
    problems.push(
      `${key("image")}: is empty on gcp preview ${stack}; a gcp preview deploys an image pushed to its ` +
        `parent's registry (by digest), which the parent's Binary Authorization admits: set ${key("image")}`,
    );
  for (const name of setKeys.filter((name) => !PREVIEW_KEYS.includes(name)).sort())
    problems.push(`${key(name)}: set on preview stack ${stack}; ${whyRefused(name, v)}`);
  return problems;
}

function whyRefused(name: ConfigKey, v: Valid): string {
  const reason = PARENT_PREVIEW_KEYS.includes(name)
    ? `it is a setting of the parent's previews: set it on ${v.previewParent}`
    : (WHY_NOT_ON_A_PREVIEW[name] ?? `a preview uses its parent's (${v.previewParent})`);
  return `${reason}. A preview may set only ${PREVIEW_KEYS.map((k) => key(k)).join(", ")}`;
}

/** A parent's own preview keys: a domain only where there is a Gateway, and a cap above the minimum. */
function parentProblems(v: Valid): string[] {
  const problems: string[] = [];
  if (v.previewDomain && v.platform === "minikube")
    problems.push(
      `${key("previewDomain")}: got ${JSON.stringify(v.previewDomain)} on the minikube platform; ` +
        "minikube previews are served on NodePorts (the preview's url output), only gcp has a shared Gateway",
    );
  if (v.previewDomain && (v.previewDomain === v.domain || v.previewDomain === v.staticDomain))
    problems.push(
      `${key("previewDomain")}: got ${JSON.stringify(v.previewDomain)}, the same as the app's own host name; ` +
        "previews need a domain of their own (such as preview.example.com)",
    );
  const { previewWebReplicas: web, previewWorkerReplicas: worker, previewMaxReplicas: max } = v;
  for (const [name, replicas] of [
    ["previewWebReplicas", web],
    ["previewWorkerReplicas", worker],
  ] as const)
    if (replicas !== undefined && max !== undefined && replicas > max)
      problems.push(
        `${key(name)}: got ${replicas}, more than ${key("previewMaxReplicas")} (${max}); ` +
          "the autoscaler's minimum must not exceed its maximum",
      );
  return problems;
}
