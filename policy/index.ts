// The policy pack: `pulumi preview --policy-pack policy [--policy-pack-config policy/<stack>.json]`.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("django-k8s", { policies });
