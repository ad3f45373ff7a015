/**
 * The database credentials as one Secret in the app namespace, under the keys of the app
 * contract (POSTGRES_DB, POSTGRES_USER, POSTGRES_PASSWORD). They are the keys the postgres
 * image reads too, so on minikube one Secret serves the database pod and the Django pods; on
 * GCP it carries Cloud SQL's user. DjangoApp mounts it as files either way.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ENV } from "./djangoApp/appContract";
import { standardLabels } from "./specs/labels";

export const POSTGRES_CREDENTIALS_SECRET = "postgres-credentials";

export interface PostgresCredentialsArgs {
  namespace: pulumi.Input<string>;
  database: pulumi.Input<string>;
  user: pulumi.Input<string>;
  /** A Pulumi secret (a RandomPassword's result, Cloud SQL's generated password). */
  password: pulumi.Input<string>;
}

export class PostgresCredentials extends pulumi.ComponentResource {
  readonly secret: k8s.core.v1.Secret;
  /** What AppBackends.database.credentialsSecretName wants. */
  readonly secretName: pulumi.Output<string>;

  constructor(name: string, args: PostgresCredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("django-k8s:k8s:PostgresCredentials", name, {}, opts);
    this.secret = new k8s.core.v1.Secret(
      name,
      {
        metadata: {
          name: POSTGRES_CREDENTIALS_SECRET,
          namespace: args.namespace,
          labels: standardLabels("postgres", "database"),
        },
        type: "Opaque",
        stringData: {
          [ENV.postgresDb]: args.database,
          [ENV.postgresUser]: args.user,
          [ENV.postgresPassword]: pulumi.secret(args.password),
        },
      },
      // Before this component, the Secret sat directly under the same parent with the same
      // name: the alias moves it in the state instead of replacing a Secret the pods mount.
      { parent: this, aliases: [{ parent: opts?.parent ?? pulumi.rootStackResource }] },
    );
    this.secretName = this.secret.metadata.name;
    this.registerOutputs({ secretName: this.secretName });
  }
}
