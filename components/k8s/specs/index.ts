/**
 * Small pure builders for the pieces every workload shares, one file per concern: labels,
 * security contexts, resources, probes, scratch volumes, Job names, Services, placement.
 * Components compose these, so a rule changes in one place, and each is tested without mocks.
 * Beside them, the helpers components call that are not components themselves: scaling.ts
 * (autoscaler and disruption-budget specs), networkPolicies.ts (policy rules and the namespace
 * baseline), dataStore.ts (a data store's Service and NetworkPolicy), scannerSkips.ts.
 */
export * from "./jobNames";
export * from "./labels";
export * from "./placement";
export * from "./probes";
export * from "./resources";
export * from "./security";
export * from "./services";
export * from "./volumes";
