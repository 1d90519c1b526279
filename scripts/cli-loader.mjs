// What Node loads before the command scripts (`npm run up`, `down`, `status` ...): the SDK's Pulumi CLI finder
// (src/cli/pulumi-cli.ts; the commands run the CLI themselves, src/cli/stack.ts) through Node's plain require, then
// tsx for our TypeScript. program-loader.mjs says why the order matters: loaded after tsx's hooks, each CommonJS
// file passes through them.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
require("@pulumi/pulumi/automation/cmd.js");
await import("tsx");
