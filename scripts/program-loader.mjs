// What Node loads before the Pulumi program (Pulumi.yaml `runtime.options.nodeargs`): the Pulumi SDK through Node's
// plain require first, then tsx for the program's TypeScript.
// With tsx's hooks registered first, each of the several hundred CommonJS files the SDK loads (gRPC, protobuf, the
// TypeScript compiler it serialises closures with) passes through them: about 0.8 s more per program run on this
// machine. Loaded before the hooks, the SDK takes the plain require, and the program's `import "@pulumi/pulumi"`
// finds the very same module instances in the require cache. The instrumentation module goes first, as the
// language host's own entry loads it first (it sets up tracing before gRPC is loaded, when tracing is on).
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
require("@pulumi/pulumi/cmd/run/instrumentation");
require("@pulumi/pulumi");
await import("tsx");
