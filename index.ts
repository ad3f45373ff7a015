// Entry point: validated config in, one platform's stack out. Everything else lives in stacks/.

import { deploy } from "./stacks";
import { loadConfig } from "./stacks/config";

export = deploy(loadConfig());
