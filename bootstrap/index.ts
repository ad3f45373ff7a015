import { bootstrap, loadBootstrapConfig } from "./program";

export = bootstrap(loadBootstrapConfig());
