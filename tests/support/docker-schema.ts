// The docker provider we build (tools/docker) against the `@pulumi/docker` SDK the program uses: every property of the
// resources the program declares (and of their nested types and the provider configuration), and separately the
// properties the program actually sets, for every shipped stack and every opt-in setting.
// I/O edge for src/tools/sdk-schema.ts: reads the SDK's .d.ts files and runs the program under mocks.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  compareShapes,
  declarationBody,
  dtsShape,
  referencedTypes,
  schemaShape,
  usedPaths,
  type Difference,
  type SchemaTypeSpec,
  type Shape,
} from "../../src/tools/sdk-schema.js";
import { PROJECT_DIR, runProgram, TYPES, type RunOptions } from "./program.js";

/** The bridge's package schema, as much of it as the comparison reads. */
export interface PackageSchema {
  name: string;
  provider: { inputProperties?: Record<string, SchemaTypeSpec>; requiredInputs?: string[] };
  resources: Record<string, { inputProperties?: Record<string, SchemaTypeSpec>; requiredInputs?: string[]; properties?: Record<string, SchemaTypeSpec>; required?: string[] }>;
  types: Record<string, { properties?: Record<string, SchemaTypeSpec>; required?: string[] }>;
}

/** The docker resources whose SDK classes the program uses (the network is declared by upcoming work). */
export const DOCKER_RESOURCES = {
  Container: { token: TYPES.container, file: "container" },
  Volume: { token: TYPES.volume, file: "volume" },
  RemoteImage: { token: TYPES.remoteImage, file: "remoteImage" },
  Network: { token: "docker:index/network:Network", file: "network" },
} as const;

const SDK_DIR = join(PROJECT_DIR, "node_modules", "@pulumi", "docker");
const sdkFile = (name: string) => readFileSync(join(SDK_DIR, `${name}.d.ts`), "utf8");

/** The schema the plugin's GetSchema answers (`pulumi-resource-docker -schema`). */
export function pluginSchema(binary = "pulumi-resource-docker"): PackageSchema {
  return JSON.parse(execFileSync(binary, ["-schema"], { encoding: "utf8", maxBuffer: 64 << 20 })) as PackageSchema;
}

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing`);
  return value;
}

export interface SchemaComparison {
  /** Resource tokens the SDK registers that the schema lacks. */
  missingTokens: string[];
  /** Every difference: `Container.ports`, `ContainerPort.ip`, `Provider.host`, ... (inputs and nested input types). */
  inputs: Difference[];
  /** Differences in what the provider returns (resource outputs). */
  outputs: Difference[];
}

/** Compares every input, output and nested input type of the resources above and the provider's configuration. */
export function compareWithSdk(schema: PackageSchema): SchemaComparison {
  const inputDts = sdkFile(join("types", "input"));
  const missingTokens: string[] = [];
  const inputs: Difference[] = [];
  const outputs: Difference[] = [];
  const nested = new Set<string>();
  const addNested = (shape: Shape) => referencedTypes(shape).forEach((t) => nested.add(t));

  for (const [name, { token, file }] of Object.entries(DOCKER_RESOURCES)) {
    const res = schema.resources[token];
    if (!res) {
      missingTokens.push(token);
      continue;
    }
    const dts = sdkFile(file);
    const sdkIn = dtsShape(must(declarationBody(dts, "interface", `${name}Args`), `${file}.d.ts ${name}Args`));
    inputs.push(...compareShapes(name, sdkIn, schemaShape(res.inputProperties, res.requiredInputs)));
    addNested(sdkIn);
    const sdkOut = dtsShape(must(declarationBody(dts, "class", name), `${file}.d.ts class ${name}`));
    // The class also declares `urn`/`id` through its base and nothing else that is not an output.
    outputs.push(...compareShapes(name, sdkOut, schemaShape(res.properties, res.required)));
  }
  const sdkProvider = dtsShape(must(declarationBody(sdkFile("provider"), "interface", "ProviderArgs"), "provider.d.ts ProviderArgs"));
  inputs.push(...compareShapes("Provider", sdkProvider, schemaShape(schema.provider.inputProperties, schema.provider.requiredInputs)));
  addNested(sdkProvider);

  // Nested input types, followed transitively (ContainerHealthcheck, ContainerMountVolumeOptions, ...).
  const seen = new Set<string>();
  while (nested.size > seen.size) {
    for (const typeName of [...nested]) {
      if (seen.has(typeName)) continue;
      seen.add(typeName);
      const body = declarationBody(inputDts, "interface", typeName);
      const spec = Object.entries(schema.types).find(([tok]) => tok.endsWith(`:${typeName}`))?.[1];
      if (!body || !spec) {
        inputs.push({ path: `${typeName}.*`, ...(body ? { sdk: { type: typeName, required: false } } : {}), ...(spec ? { schema: { type: typeName, required: false } } : {}) });
        continue;
      }
      const shape = dtsShape(body);
      inputs.push(...compareShapes(typeName, shape, schemaShape(spec.properties, spec.required)));
      addNested(shape);
    }
  }
  return { missingTokens, inputs, outputs };
}

/** Program runs that between them switch on every optional input: the sandbox stacks, plus the opt-in settings
 * (the release stacks run the release program, which declares no docker resources). */
export const PROGRAM_VARIANTS: readonly RunOptions[] = [
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
];

/** Property paths the program sets on each docker resource and on the docker provider, over all variants. */
export async function programUsedPaths(): Promise<Map<string, Set<string>>> {
  const byType = new Map<string, Set<string>>();
  const docker = new Set<string>([...Object.values(DOCKER_RESOURCES).map((r) => r.token), TYPES.dockerProvider]);
  for (const variant of PROGRAM_VARIANTS) {
    const run = await runProgram(variant);
    for (const r of run.resources) {
      if (!docker.has(r.type)) continue;
      const set = byType.get(r.type) ?? new Set<string>();
      for (const p of usedPaths(r.inputs)) set.add(p);
      byType.set(r.type, set);
    }
  }
  return byType;
}

/** Maps a used path (`ports.internal` on the container) to the comparison paths it touches (`Container.ports`, `ContainerPort.internal`). */
export function touchedDifferences(type: string, path: string, comparison: SchemaComparison, schema: PackageSchema): Difference[] {
  const name = type === TYPES.dockerProvider ? "Provider" : Object.entries(DOCKER_RESOURCES).find(([, r]) => r.token === type)?.[0];
  if (!name) return [];
  const parts = path.split(".");
  const hits: Difference[] = [];
  let owner = name;
  let props: Record<string, SchemaTypeSpec> | undefined =
    name === "Provider" ? schema.provider.inputProperties : schema.resources[type]?.inputProperties;
  for (const part of parts) {
    hits.push(...comparison.inputs.filter((d) => d.path === `${owner}.${part}` || d.path === `${owner}.*`));
    const spec = props?.[part];
    if (!spec) break;
    const inner = spec.items ?? spec;
    if (spec.additionalProperties || !inner.$ref) break; // a map's keys and scalars end the path
    owner = inner.$ref.slice(inner.$ref.lastIndexOf(":") + 1);
    props = Object.entries(schema.types).find(([tok]) => tok.endsWith(`:${owner}`))?.[1]?.properties;
  }
  return hits;
}
