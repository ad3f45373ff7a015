/**
 * A STAND-IN for the django-k8s program's preview stacks (see Pulumi.yaml beside this file): the
 * smallest program with the same shape for the lifecycle (scripts/preview.ts) to act on. It is
 * not the product and deploys no Django.
 *
 * - parent (previewParent empty): namespace `standin-parent` and ConfigMap `shared`; exports
 *   `namespace`, which previews read.
 * - preview `pr-<n>`: namespace `standin-pr-<n>`, ConfigMap `preview` (the parent's namespace,
 *   read through a StackReference) and ConfigMap `database` (its "database"); exports `url` and
 *   `dropDatabaseCommand`, which deletes the `database` ConfigMap, as the real one drops the
 *   preview's database on the parent's server before destroy.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const context = config.get("kubeContext") ?? "django-k8s-local";
const parent = config.get("previewParent") ?? "";
const provider = new k8s.Provider("local", { context });
const labels = { "app.kubernetes.io/part-of": "django-k8s-preview-standin" };

function namespaced(name: string) {
  const ns = new k8s.core.v1.Namespace(name, { metadata: { name, labels } }, { provider });
  return { ns, opts: { provider, dependsOn: [ns] } };
}

function parentStack() {
  const { opts } = namespaced("standin-parent");
  new k8s.core.v1.ConfigMap(
    "shared",
    { metadata: { name: "shared", namespace: "standin-parent", labels }, data: { role: "parent" } },
    opts,
  );
  return { namespace: "standin-parent" };
}

function previewStack(stack: string) {
  const match = /^pr-([1-9][0-9]*)$/.exec(stack);
  if (!match) throw new Error(`stack ${stack}: a preview stack must be named pr-<number>`);
  const name = `standin-${stack}`;
  const parentNamespace = new pulumi.StackReference(parent).requireOutput("namespace");
  const { opts } = namespaced(name);
  new k8s.core.v1.ConfigMap(
    "preview",
    {
      metadata: { name: "preview", namespace: name, labels },
      data: { pr: match[1]!, parent, parentNamespace: pulumi.interpolate`${parentNamespace}` },
    },
    opts,
  );
  new k8s.core.v1.ConfigMap(
    "database",
    { metadata: { name: "database", namespace: name, labels }, data: { owner: stack } },
    opts,
  );
  return {
    url: `http://${stack}.preview.invalid/`,
    dropDatabaseCommand: `kubectl --context ${context} -n ${name} delete configmap database --ignore-not-found`,
  };
}

export = parent === "" ? parentStack() : previewStack(pulumi.getStack());
