import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";

/**
 * The TLS policy of every HTTPS load balancer the stack puts in front of users: TLS 1.2 and
 * up with the MODERN profile's ciphers (no CBC, no RSA key exchange), which every current
 * browser supports.
 */
export function modernTlsPolicy(
  name: string,
  project: string,
  opts: pulumi.CustomResourceOptions,
): gcp.compute.SSLPolicy {
  return new gcp.compute.SSLPolicy(name, { project, profile: "MODERN", minTlsVersion: "TLS_1_2" }, opts);
}
