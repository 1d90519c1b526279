// Prints how the docker provider built from tools/docker differs from the `@pulumi/docker` SDK the program uses, and
// whether any property the program sets is among the differences (exit 1 if so).
// Usage: tsx scripts/docker-schema-diff.ts [path to pulumi-resource-docker]   (default: the one on PATH)
import { describe } from "../src/tools/sdk-schema.js";
import { compareWithSdk, pluginSchema, programUsedPaths, touchedDifferences } from "../tests/support/docker-schema.js";

const schema = pluginSchema(process.argv[2]);
const cmp = compareWithSdk(schema);
console.log(`resource tokens missing from the provider: ${cmp.missingTokens.length === 0 ? "none" : cmp.missingTokens.join(", ")}`);
console.log(`\ninputs and nested input types that differ (${cmp.inputs.length}):`);
for (const d of cmp.inputs) console.log(`  ${describe(d)}`);
console.log(`\noutputs that differ (${cmp.outputs.length}):`);
for (const d of cmp.outputs) console.log(`  ${describe(d)}`);

const used = await programUsedPaths();
let touched = 0;
console.log("\nproperties the program sets (every shipped stack and opt-in setting):");
for (const [type, paths] of [...used].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`  ${type}: ${[...paths].sort().join(", ")}`);
  for (const p of paths) {
    for (const d of touchedDifferences(type, p, cmp, schema)) {
      touched++;
      console.log(`    DIFFERS: ${p} -> ${describe(d)}`);
    }
  }
}
console.log(`\nproperties the program sets that differ: ${touched}`);
process.exit(touched === 0 && cmp.missingTokens.length === 0 ? 0 : 1);
