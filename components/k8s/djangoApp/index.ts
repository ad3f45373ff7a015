/**
 * The Django service (DjangoApp) and what a stack needs to build it: its args, the backends
 * seam, and the names other components and stacks address (service accounts, roles).
 * The app's contract with the image is appContract.ts (docs/app.md).
 */
export { DATABASE_CLIENT_ROLES } from "./appRoles";
export { APP_SERVICE_ACCOUNT, COLLECTSTATIC_SERVICE_ACCOUNT } from "./appWorkloads";
export type { DjangoAppArgs, ServiceExposure } from "./args";
export type { AppBackends } from "./backends";
export { DjangoApp } from "./DjangoApp";
