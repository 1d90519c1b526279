// Prints how a provider plugin we build differs from the npm SDK the program uses (every resource's inputs, outputs
// and nested input types, and the provider configuration), then every property the program sets over variants that
// switch on every optional input, each checked in the plugin's schema and among those differences. Exit 1 when the
// program sets a property that is not in the schema, does not fit its type, or differs between SDK and plugin.
// Usage: tsx scripts/provider-schema-diff.ts docker [path to pulumi-resource-docker]       (default: the one on PATH)
//        tsx scripts/provider-schema-diff.ts kubernetes [path to pulumi-resource-kubernetes] (default: the one
//        scripts/ci-env/build-kube.sh built, from its env.json; `pulumi` from the tools' env.json asks it)
import { readFileSync } from "node:fs";
import { KUBE_ENV_FILE, type KubeEnvFile } from "../tests/integration/support/kube.js";
import { toolsEnv } from "./lib/tools-env.js";
import { PROVIDERS, providerReport, reportLines, reportPasses } from "../tests/support/provider-schema.js";

const [name = "", pluginArg] = process.argv.slice(2);
const subject = PROVIDERS[name];
if (!subject) {
  console.error(`provider-schema-diff: unknown provider "${name}"; allowed: ${Object.keys(PROVIDERS).join(", ")}`);
  process.exit(2);
}
const plugin =
  pluginArg ??
  (name === "kubernetes" ? (JSON.parse(readFileSync(KUBE_ENV_FILE, "utf8")) as KubeEnvFile).pieces.providerPlugin : `pulumi-resource-${name}`);
const env = { ...process.env, ...toolsEnv() };
const report = await providerReport(subject, subject.schema(plugin, env));
console.log(reportLines(subject, report).join("\n"));
process.exit(reportPasses(report) ? 0 : 1);
