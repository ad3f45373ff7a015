// The policy pack: `pulumi preview --policy-pack policy [--policy-pack-config policy/<stack>.json]`.
import { PolicyPack } from "@pulumi/policy";
import { stackPolicies } from "./monitoring";
import { policies } from "./policies";

new PolicyPack("django-k8s", { policies: [...policies, ...stackPolicies] });
