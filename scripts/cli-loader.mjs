// What Node loads before the command scripts (`npm run up`, `down`, `status` ...): the Pulumi Automation API through
// Node's plain require, then tsx for our TypeScript. program-loader.mjs says why the order matters: loaded after
// tsx's hooks, the SDK's several hundred CommonJS files each pass through them (about 0.8 s more per command here).
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
require("@pulumi/pulumi/automation/index.js");
await import("tsx");
