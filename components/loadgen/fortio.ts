/**
 * The load generator's two streams, run with fortio's official image (the same on minikube
 * and on the GCP VM): steady page requests at the configured rate, which web's CPU
 * autoscaler reacts to, and one batch of CPU-bound tasks per second for the worker's.
 */
/**
 * By digest, release readable beside it. 1.69.4, not 1.69.5: no public digest of 1.69.5 could
 * be found offline (docs/security.md, "Pinned images").
 */
export const FORTIO_IMAGE =
  "fortio/fortio:1.69.4@sha256:65633fc5e70f9745be8c311637fb8e484da31a366463028a11083ac0a098e3d3";
/** The demo's batch endpoint: 5 tasks of 200 ms CPU each per call (app/demo/views.py). */
export const BATCH_PATH = "api/batch";
export const BATCH_PAYLOAD = "count=5&ms=200";
/**
 * The batch endpoint admits only the token's holders (app/demo/batch_guard.py). fortio reads a
 * payload from a file but no header, so the token travels as the form's `token` field, in a
 * file mounted from a Secret: never on a command line or in the environment.
 */
export const BATCH_PAYLOAD_FILE = "/run/secrets/load-generator/batch-payload";

/** The payload file's content (a secret, since it holds the token). */
export function batchPayload(token: string): string {
  return `${BATCH_PAYLOAD}&token=${encodeURIComponent(token)}`;
}

export interface LoadStream {
  name: "pages" | "batch";
  args: string[];
}

/** `baseUrl` ends with a slash. */
export function loadStreams(baseUrl: string, rate: number): LoadStream[] {
  return [
    {
      name: "pages",
      // -t 0: run until stopped; enough connections that a slow page does not cap the rate.
      args: [
        "load",
        "-qps",
        String(rate),
        "-t",
        "0",
        "-c",
        String(Math.min(64, Math.max(2, Math.ceil(rate / 5)))),
        "-allow-initial-errors",
        baseUrl,
      ],
    },
    {
      name: "batch",
      // A payload makes fortio POST it, as a form the endpoint reads.
      args: [
        "load",
        "-qps",
        "1",
        "-t",
        "0",
        "-c",
        "1",
        "-allow-initial-errors",
        "-content-type",
        "application/x-www-form-urlencoded",
        "-payload-file",
        BATCH_PAYLOAD_FILE,
        `${baseUrl}${BATCH_PATH}`,
      ],
    },
  ];
}

/** cloud-init for Container-Optimized OS: one restarting systemd unit per stream, and the batch payload (a secret) for fortio's user only. */
export function cloudInit(baseUrl: string, rate: number, batchToken: string): string {
  const units = loadStreams(baseUrl, rate).map(
    (stream) => `  - path: /etc/systemd/system/load-${stream.name}.service
    permissions: "0644"
    owner: root
    content: |
      [Unit]
      Description=django-k8s load generator (${stream.name})
      Wants=network-online.target
      After=network-online.target docker.service
      [Service]
      ExecStartPre=-/usr/bin/docker rm -f load-${stream.name}
      ExecStartPre=/bin/chown ${FORTIO_USER}:${FORTIO_USER} ${VM_PAYLOAD_FILE}
      ExecStart=/usr/bin/docker run --rm --name load-${stream.name} --read-only --cap-drop ALL --user ${FORTIO_USER}:${FORTIO_USER} --volume ${VM_PAYLOAD_FILE}:${BATCH_PAYLOAD_FILE}:ro ${FORTIO_IMAGE} ${stream.args.map(shellQuote).join(" ")}
      ExecStop=/usr/bin/docker stop load-${stream.name}
      Restart=always
      RestartSec=5`,
  );
  return `#cloud-config
write_files:
  - path: ${VM_PAYLOAD_FILE}
    permissions: "0400"
    owner: root:root
    content: ${JSON.stringify(batchPayload(batchToken))}
${units.join("\n")}
runcmd:
  - systemctl daemon-reload
  - systemctl start load-pages.service load-batch.service
`;
}

/** fortio's image runs as this non-root user; the payload file belongs to it on the VM. */
export const FORTIO_USER = 65532;
const VM_PAYLOAD_FILE = "/etc/django-k8s/batch-payload";

function shellQuote(arg: string): string {
  return /^[\w.:/=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}
