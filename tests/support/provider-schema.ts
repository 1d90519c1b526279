// The providers we build (tools/docker, tools/kube/provider) against the SDKs the programs use: the I/O edge of
// src/tools/provider-schema.ts. Asks a plugin for its schema, reads the SDK's .d.ts files, runs the program under
// mocks over variants that between them switch on every optional input, and reports what differs and whether the
// program sets any of it (scripts/provider-schema-diff.ts prints it, tests/integration/*-provider tests assert it).

import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  checkInputs,
  compareWithSdk,
  PROVIDER_TOKEN_PREFIX,
  touchedDifferences,
  type InputsCheck,
  type PackageSchema,
  type SchemaComparison,
} from "../../src/tools/provider-schema.js";
import { describe } from "../../src/tools/sdk-schema.js";
import { PROJECT_DIR, runProgram, TYPES, type RunOptions } from "./program.js";
import { K8S, teamOverrides } from "./team.js";

/** One provider plugin under comparison. */
export interface ProviderSubject {
  /** The package name: `docker`, `kubernetes`. */
  readonly name: string;
  /** The version of the npm SDK the program uses (node_modules/@pulumi/<name>). */
  readonly sdkVersion: string;
  /** The schema the plugin at `plugin` answers, as the engine asks for it. */
  schema(plugin: string, env?: NodeJS.ProcessEnv): PackageSchema;
  /** Program runs that between them switch on every optional input of this provider's resources. */
  readonly variants: readonly RunOptions[];
}

const sdkDir = (name: string) => join(PROJECT_DIR, "node_modules", "@pulumi", name);
const sdkVersion = (name: string) => (JSON.parse(readFileSync(join(sdkDir(name), "package.json"), "utf8")) as { version: string }).version;

/** Reads `<file>.d.ts` of an SDK, undefined when it is not there. */
function dtsReader(name: string): (file: string) => string | undefined {
  return (file) => {
    try {
      return readFileSync(join(sdkDir(name), `${file}.d.ts`), "utf8");
    } catch {
      return undefined;
    }
  };
}

/** Every resource an SDK registers (each generated class's `__pulumiType`, the provider's aside): token -> the file
 * declaring it, relative to the package, without `.js`. */
function registeredResources(name: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(sdkDir(name), rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory() && entry.name !== "node_modules") walk(path);
      else if (entry.name.endsWith(".js")) {
        for (const m of readFileSync(join(sdkDir(name), path), "utf8").matchAll(/__pulumiType = ['"]([^'"]+)['"]/g)) {
          if (m[1] !== name) files[m[1]!] = path.slice(0, -".js".length);
        }
      }
    }
  };
  walk("");
  return files;
}

const execJson = (file: string, args: string[], env?: NodeJS.ProcessEnv): PackageSchema =>
  JSON.parse(execFileSync(file, args, { encoding: "utf8", maxBuffer: 256 << 20, ...(env ? { env } : {}) })) as PackageSchema;

export const DOCKER: ProviderSubject = {
  name: "docker",
  sdkVersion: sdkVersion("docker"),
  // The docker resources whose SDK classes the program uses (the network is declared by upcoming work).
  // The bridge answers GetSchema's text on `-schema`.
  schema: (plugin, env) => execJson(plugin, ["-schema"], env),
  // The sandbox stacks, plus the opt-in settings (the release stacks run the release program: no docker resources).
  variants: [
    { stackFile: "dev" },
    { stackFile: "remote", overrides: { "opencode-cloud:password": { secure: "a-password-of-24-chars!!" } } },
    {
      stackFile: "dev",
      overrides: {
        "opencode-cloud:password": { secure: "a-password-of-24-chars!!" },
        "opencode-cloud:dockerAccess": true,
        "opencode-cloud:imageSource": "build",
      },
    },
  ],
};

export const KUBERNETES: ProviderSubject = {
  name: "kubernetes",
  sdkVersion: sdkVersion("kubernetes"),
  // The plugin has no flag for it: the CLI starts it and asks (`pulumi` from PATH, offline settings in `env`).
  schema: (plugin, env) => execJson("pulumi", ["package", "get-schema", plugin], env),
  variants: [
    // A team of two on the defaults.
    { stack: "team", overrides: teamOverrides([{ name: "alice" }, { name: "bob" }]) },
    // Every optional input on: hosts with and without TLS, ingress class and namespace, storage class, sizes,
    // requests and limits, a platform (node selector), a namespace prefix.
    {
      stack: "team",
      overrides: teamOverrides(
        [{ name: "alice", host: "alice.dev.example.com", tlsSecret: "alice-tls" }, { name: "bob", host: "bob.dev.example.com" }, { name: "carol" }],
        {
          "opencode-cloud:teamIngressClass": "nginx",
          "opencode-cloud:teamIngressNamespace": "ingress-nginx",
          "opencode-cloud:teamStorageClass": "fast-ssd",
          "opencode-cloud:teamNamespacePrefix": "dev-",
          "opencode-cloud:teamCpuRequest": "500m",
          "opencode-cloud:teamCpuLimit": "4",
          "opencode-cloud:teamMemoryRequest": "2Gi",
          "opencode-cloud:teamMemoryLimit": "8Gi",
          "opencode-cloud:platform": "linux/arm64",
        },
      ),
    },
  ],
};

export const PROVIDERS: Readonly<Record<string, ProviderSubject>> = { docker: DOCKER, kubernetes: KUBERNETES };

/** Every resource (and explicit provider) of `subject`'s package the program declares, over all variants: the inputs
 * of each, by type token. */
export async function programInputs(subject: ProviderSubject): Promise<Map<string, Record<string, unknown>[]>> {
  const byType = new Map<string, Record<string, unknown>[]>();
  for (const variant of subject.variants) {
    const run = await runProgram(variant);
    for (const r of run.resources) {
      if (!r.type.startsWith(`${subject.name}:`) && r.type !== `${PROVIDER_TOKEN_PREFIX}${subject.name}`) continue;
      byType.set(r.type, [...(byType.get(r.type) ?? []), r.inputs]);
    }
  }
  return byType;
}

export interface UsedType {
  readonly token: string;
  /** Resources of this type the variants declared. */
  readonly declared: number;
  readonly paths: string[];
  /** Paths absent from the schema, of a type that does not fit, or required ones missing. */
  readonly problems: string[];
  /** Differences between SDK and schema that a set path runs through: `path -> difference`. */
  readonly differing: string[];
}

export interface ProviderReport {
  readonly schemaVersion: string;
  readonly comparison: SchemaComparison;
  readonly used: UsedType[];
}

/** The comparison, and what the program sets read against it. */
export async function providerReport(subject: ProviderSubject, schema: PackageSchema): Promise<ProviderReport> {
  const comparison = compareWithSdk(schema, registeredResources(subject.name), dtsReader(subject.name));
  const used: UsedType[] = [];
  for (const [token, all] of [...(await programInputs(subject))].sort(([a], [b]) => a.localeCompare(b))) {
    const checks: InputsCheck[] = all.map((inputs) => checkInputs(schema, token, inputs));
    const paths = [...new Set(checks.flatMap((c) => c.paths))].sort();
    const differing = paths.flatMap((p) => touchedDifferences(schema, token, p, comparison).map((d) => `${p} -> ${describe(d)}`));
    used.push({ token, declared: all.length, paths, problems: [...new Set(checks.flatMap((c) => c.problems))].sort(), differing: [...new Set(differing)] });
  }
  return { schemaVersion: schema.version ?? "(none)", comparison, used };
}

/** True when nothing the program uses differs: every resource it declares served, every path it sets in the schema
 * with a fitting value, none among the differences (what the program does not use may differ). */
export const reportPasses = (r: ProviderReport): boolean => r.used.length > 0 && r.used.every((u) => u.problems.length === 0 && u.differing.length === 0);

/** The report as lines of text: the whole comparison first, then what the program uses, then the verdict. */
export function reportLines(subject: ProviderSubject, r: ProviderReport): string[] {
  const c = r.comparison;
  const list = (items: readonly string[]) => (items.length === 0 ? "none" : items.join(", "));
  const lines = [
    `@pulumi/${subject.name} ${subject.sdkVersion} (SDK) against the plugin's schema ${r.schemaVersion}`,
    `compared: ${c.compared.resources} resources (inputs and outputs), ${c.compared.inputTypes} nested input types, ${c.compared.outputTypes} nested output types, the provider configuration`,
    `resource tokens the SDK registers that the plugin lacks: ${list(c.missingTokens)}`,
    `resource tokens the plugin serves that the SDK has no class for: ${list(c.extraTokens)}`,
    `overlay resources (hand-written on both sides, not compared): ${c.overlays.length}`,
    "",
    `inputs and nested input types that differ (${c.inputs.length}):`,
    ...c.inputs.map((d) => `  ${describe(d)}`),
    "",
    `outputs and nested output types that differ (${c.outputs.length}):`,
    ...c.outputs.map((d) => `  ${describe(d)}`),
    "",
    `what the program sets (${subject.variants.length} variants):`,
  ];
  for (const u of r.used) {
    lines.push(`  ${u.token} (${u.declared} declared, ${u.paths.length} paths): ${u.paths.join(", ")}`);
    for (const p of u.problems) lines.push(`    NOT IN THE SCHEMA: ${p}`);
    for (const d of u.differing) lines.push(`    DIFFERS: ${d}`);
  }
  const paths = r.used.reduce((n, u) => n + u.paths.length, 0);
  const bad = r.used.reduce((n, u) => n + u.problems.length + u.differing.length, 0);
  lines.push("", `used: ${r.used.length} resource types, ${paths} property paths; of them not in the schema or differing: ${bad}`);
  return lines;
}

/** The resource types the team program must be seen to declare for its comparison to mean anything. */
export const TEAM_TYPES: readonly string[] = Object.values(K8S);
