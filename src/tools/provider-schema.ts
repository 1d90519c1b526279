// A provider plugin's schema against the Node.js SDK a program uses, and what the program sets against both: the
// resources' inputs, outputs and nested input types compared name by name (src/tools/sdk-schema.ts), then each
// property the program sets checked in the schema (present, of a compatible type, nested types followed) and among
// those differences. Pure: the caller hands over the schema, a reader of the SDK's .d.ts files and the declared
// inputs (tests/support/provider-schema.ts), for the docker and the kubernetes provider alike.

import {
  compareShapes,
  declarationBody,
  dtsShape,
  referencedTypes,
  schemaShape,
  sdkNamer,
  type Difference,
  type SchemaTypeSpec,
  type Shape,
  type TypeNamer,
} from "./sdk-schema.js";

interface ObjectSpec {
  properties?: Record<string, SchemaTypeSpec>;
  required?: string[];
  /** What the Node.js code generator takes as required instead of `required`, where given. */
  language?: { nodejs?: { requiredInputs?: string[]; requiredOutputs?: string[] } };
}

/** A package schema as `GetSchema` answers it, as much of it as the comparison reads. */
export interface PackageSchema {
  name: string;
  version?: string;
  language?: { nodejs?: { moduleToPackage?: Record<string, string>; compatibility?: string } };
  provider: { inputProperties?: Record<string, SchemaTypeSpec>; requiredInputs?: string[] };
  resources: Record<
    string,
    ObjectSpec & {
      inputProperties?: Record<string, SchemaTypeSpec>;
      requiredInputs?: string[];
      /** Hand-written in the SDK (Kubernetes' yaml, helm and kustomize components): no generated class to compare. */
      isOverlay?: boolean;
    }
  >;
  types: Record<string, ObjectSpec & { type?: string; enum?: unknown[] }>;
}

/** Reads one of the SDK's declaration files by its path without `.d.ts` (`types/input`, `apps/v1/statefulSet`). */
export type DtsReader = (file: string) => string | undefined;

export interface SchemaComparison {
  /** Resource tokens the SDK registers that the schema lacks. */
  missingTokens: string[];
  /** Resource tokens the schema serves that the SDK has no class for (overlays aside). */
  extraTokens: string[];
  /** Overlay resources: hand-written on both sides, not compared. */
  overlays: string[];
  /** How many resources (inputs and outputs), nested input types and nested output types were compared. */
  compared: { resources: number; inputTypes: number; outputTypes: number };
  /** Every difference in inputs and nested input types: `apps.v1.StatefulSetArgs.spec`, `core.v1.PodSpec.volumes`, ... */
  inputs: Difference[];
  /** Differences in what the provider returns (resource outputs and nested output types): `core.v1.Service.status`, ... */
  outputs: Difference[];
}

export const PROVIDER_TOKEN_PREFIX = "pulumi:providers:";

/** The SDK's naming for this schema's tokens. */
export const namerOf = (schema: PackageSchema): TypeNamer => sdkNamer(schema.language?.nodejs?.moduleToPackage);

/** The name a resource's inputs are compared under: `apps.v1.StatefulSetArgs`, `ContainerArgs`, `ProviderArgs`. */
export function argsName(schema: PackageSchema, token: string): string {
  return token.startsWith(PROVIDER_TOKEN_PREFIX) ? "ProviderArgs" : `${namerOf(schema)(token)}Args`;
}

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing from the SDK`);
  return value;
}

/**
 * Compares the resources the SDK registers (`sdkFiles`: token -> the declaration file of its class) and the
 * provider's configuration with the schema: inputs, outputs, and every nested input type (types/input.d.ts) and
 * output type (types/output.d.ts) either side refers to, followed transitively. Enum types are compared by name.
 */
export function compareWithSdk(schema: PackageSchema, sdkFiles: Readonly<Record<string, string>>, dts: DtsReader): SchemaComparison {
  const namer = namerOf(schema);
  const allOutputsRequired = schema.language?.nodejs?.compatibility === "kubernetes20";
  const sdk = new Set(Object.keys(sdkFiles));
  const result: SchemaComparison = {
    missingTokens: [...sdk].filter((t) => !schema.resources[t]).sort(),
    extraTokens: Object.keys(schema.resources).filter((t) => !sdk.has(t) && !schema.resources[t]!.isOverlay).sort(),
    overlays: Object.keys(schema.resources).filter((t) => schema.resources[t]!.isOverlay).sort(),
    compared: { resources: 0, inputTypes: 0, outputTypes: 0 },
    inputs: [],
    outputs: [],
  };
  const nestedIn = new Set<string>();
  const nestedOut = new Set<string>();
  const follow = (into: Set<string>, ...shapes: Shape[]) => shapes.forEach((s) => referencedTypes(s).forEach((t) => into.add(t)));

  for (const token of [...sdk].filter((t) => schema.resources[t] && !schema.resources[t].isOverlay).sort()) {
    const res = schema.resources[token]!;
    const file = sdkFiles[token]!;
    const text = must(dts(file), `${file}.d.ts`);
    const owner = namer(token);
    const name = owner.slice(owner.lastIndexOf(".") + 1);
    const sdkIn = dtsShape(must(declarationBody(text, "interface", `${name}Args`), `${file}.d.ts ${name}Args`));
    const schemaIn = schemaShape(res.inputProperties, res.requiredInputs, namer);
    result.inputs.push(...compareShapes(`${owner}Args`, sdkIn, schemaIn));
    follow(nestedIn, sdkIn, schemaIn);
    const sdkOut = dtsShape(must(declarationBody(text, "class", name), `${file}.d.ts class ${name}`));
    // The class declares `urn`/`id` through its base and nothing else that is not an output. In `kubernetes20`
    // compatibility the Node.js code generator declares every output required (genResource: codegen.RequiredType).
    const requiredOut = allOutputsRequired ? Object.keys(res.properties ?? {}) : (res.language?.nodejs?.requiredOutputs ?? res.required);
    const schemaOut = schemaShape(res.properties, requiredOut, namer);
    result.outputs.push(...compareShapes(owner, sdkOut, schemaOut));
    follow(nestedOut, sdkOut, schemaOut);
    result.compared.resources++;
  }
  const sdkProvider = dtsShape(must(declarationBody(must(dts("provider"), "provider.d.ts"), "interface", "ProviderArgs"), "provider.d.ts ProviderArgs"));
  const schemaProvider = schemaShape(schema.provider.inputProperties, schema.provider.requiredInputs, namer);
  result.inputs.push(...compareShapes("ProviderArgs", sdkProvider, schemaProvider));
  follow(nestedIn, sdkProvider, schemaProvider);

  // The code generator's genType: a type's `language.nodejs.requiredInputs`/`requiredOutputs` overrides `required`.
  result.compared.inputTypes = compareNested(schema, nestedIn, must(dts("types/input"), "types/input.d.ts"), (t) => t.language?.nodejs?.requiredInputs ?? t.required, result.inputs);
  if (nestedOut.size > 0) {
    result.compared.outputTypes = compareNested(schema, nestedOut, must(dts("types/output"), "types/output.d.ts"), (t) => t.language?.nodejs?.requiredOutputs ?? t.required, result.outputs);
  }
  result.inputs.sort((a, b) => a.path.localeCompare(b.path));
  result.outputs.sort((a, b) => a.path.localeCompare(b.path));
  return result;
}

/** Compares the nested types named in `start` and every type they refer to with the interfaces of one .d.ts text;
 * pushes the differences into `into`; answers how many types were compared. */
function compareNested(schema: PackageSchema, start: ReadonlySet<string>, dtsText: string, requiredOf: (t: ObjectSpec) => string[] | undefined, into: Difference[]): number {
  const namer = namerOf(schema);
  const typeTokens = new Map(Object.keys(schema.types).map((token) => [namer(token), token]));
  const nested = new Set(start);
  const seen = new Set<string>();
  let compared = 0;
  while (nested.size > seen.size) {
    for (const typeName of [...nested].sort()) {
      if (seen.has(typeName)) continue;
      seen.add(typeName);
      const spec = schema.types[typeTokens.get(typeName) ?? ""];
      if (spec?.enum) continue;
      const body = declarationBody(dtsText, "interface", typeName);
      if (!body || !spec) {
        into.push({ path: `${typeName}.*`, ...(body ? { sdk: { type: typeName, required: false } } : {}), ...(spec ? { schema: { type: typeName, required: false } } : {}) });
        continue;
      }
      const sdkShape = dtsShape(body);
      const schemaShapeOf = schemaShape(spec.properties, requiredOf(spec), namer);
      into.push(...compareShapes(typeName, sdkShape, schemaShapeOf));
      referencedTypes(sdkShape).forEach((t) => nested.add(t));
      referencedTypes(schemaShapeOf).forEach((t) => nested.add(t));
      compared++;
    }
  }
  return compared;
}

/** What a program's inputs to one resource are, read against the schema. */
export interface InputsCheck {
  /** Every property path set: `spec.template.spec.containers.ports.containerPort` (array elements share their
   * array's path), `metadata.labels.*` (a map's entries). */
  readonly paths: string[];
  /** Each path the schema does not know or whose value does not fit its type: `path: what`. */
  readonly problems: string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
/** A Pulumi Output the program could not see into (a resource's output, an unknown in a preview): taken as fitting. */
const isOpaque = (v: unknown): boolean => isRecord(v) && "__pulumiOutput" in v;

function describeSpec(spec: SchemaTypeSpec, namer: TypeNamer): string {
  return spec.oneOf ? spec.oneOf.map((s) => describeSpec(s, namer)).join(" | ") : spec.$ref ? namer(spec.$ref.replace(/^#\/types\//, "")) : spec.const !== undefined ? JSON.stringify(spec.const) : (spec.type ?? "any");
}

/** Checks `value` at `path` against a schema type spec; records paths and problems. */
function checkValue(schema: PackageSchema, namer: TypeNamer, spec: SchemaTypeSpec, value: unknown, path: string, out: { paths: Set<string>; problems: string[] }): void {
  if (value === undefined || value === null || isOpaque(value)) return;
  const wrong = (): void => void out.problems.push(`${path}: ${JSON.stringify(value)} is not ${describeSpec(spec, namer)}`);
  if (spec.oneOf) {
    const fits = spec.oneOf.some((alt) => {
      const trial = { paths: new Set<string>(), problems: [] as string[] };
      checkValue(schema, namer, alt, value, path, trial);
      if (trial.problems.length === 0) trial.paths.forEach((p) => out.paths.add(p));
      return trial.problems.length === 0;
    });
    if (!fits) wrong();
    return;
  }
  if (spec.const !== undefined) {
    if (value !== spec.const) wrong();
    return;
  }
  if (spec.$ref) {
    if (spec.$ref.startsWith("pulumi.json#/")) return; // Any, Json: anything goes
    const type = schema.types[spec.$ref.replace(/^#\/types\//, "")];
    if (!type) return void out.problems.push(`${path}: ${spec.$ref} is not among the schema's types`);
    if (type.enum) {
      if (!type.enum.some((e) => (isRecord(e) ? e["value"] : e) === value)) wrong();
      return;
    }
    if (!isRecord(value)) return wrong();
    checkObject(schema, namer, type.properties, type.required, value, path, out);
    return;
  }
  switch (spec.type) {
    case "string":
    case "boolean":
      if (typeof value !== spec.type) wrong();
      return;
    case "number":
      if (typeof value !== "number") wrong();
      return;
    case "integer":
      if (!Number.isInteger(value)) wrong();
      return;
    case "array":
      if (!Array.isArray(value)) return wrong();
      for (const item of value) checkValue(schema, namer, spec.items ?? {}, item, path, out);
      return;
    case "object":
      if (!isRecord(value)) return wrong();
      if (spec.additionalProperties) {
        for (const item of Object.values(value)) {
          if (item === undefined) continue;
          out.paths.add(`${path}.*`);
          checkValue(schema, namer, spec.additionalProperties, item, `${path}.*`, out);
        }
      }
      return;
    default:
      return; // no type: anything goes
  }
}

function checkObject(
  schema: PackageSchema,
  namer: TypeNamer,
  properties: Record<string, SchemaTypeSpec> | undefined,
  required: readonly string[] | undefined,
  value: Record<string, unknown>,
  prefix: string,
  out: { paths: Set<string>; problems: string[] },
): void {
  const at = (name: string) => (prefix ? `${prefix}.${name}` : name);
  for (const name of required ?? []) if (value[name] === undefined || value[name] === null) out.problems.push(`${at(name)}: required by the schema, not set`);
  for (const [name, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out.paths.add(at(name));
    const spec = properties?.[name];
    if (!spec) {
      out.problems.push(`${at(name)}: not a property the schema knows`);
      continue;
    }
    checkValue(schema, namer, spec, v, at(name), out);
  }
}

/**
 * Reads a resource's inputs (`token`: a resource's, or `pulumi:providers:<name>` for the provider) against the
 * schema: every property set must be one the schema declares, of a fitting type, nested objects and arrays followed;
 * what the schema requires must be set. Kubernetes' resource-level required inputs are none (the SDK fills in
 * `apiVersion` and `kind`), its nested types' required properties apply.
 */
export function checkInputs(schema: PackageSchema, token: string, inputs: Record<string, unknown>): InputsCheck {
  const out = { paths: new Set<string>(), problems: [] as string[] };
  const provider = token.startsWith(PROVIDER_TOKEN_PREFIX);
  const res = provider ? schema.provider : schema.resources[token];
  if (!res) return { paths: [], problems: [`${token}: not a resource the schema serves`] };
  checkObject(schema, namerOf(schema), res.inputProperties, res.requiredInputs, provider ? providerValues(res.inputProperties, inputs) : inputs, "", out);
  return { paths: [...out.paths].sort(), problems: out.problems.sort() };
}

/** A provider's inputs as the SDK sends them: every value that is not a string property JSON-encoded (the generated
 * ProviderResource does `.apply(JSON.stringify)`); decoded here to be checked as the provider reads them. */
function providerValues(properties: Record<string, SchemaTypeSpec> | undefined, inputs: Record<string, unknown>): Record<string, unknown> {
  const decode = (name: string, value: unknown): unknown => {
    if (typeof value !== "string" || properties?.[name]?.type === "string") return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  };
  return Object.fromEntries(Object.entries(inputs).map(([name, value]) => [name, decode(name, value)]));
}

/** The differences a set path runs through: `spec.template.spec.containers.image` on a StatefulSet touches
 * `apps.v1.StatefulSetArgs.spec`, `apps.v1.StatefulSetSpec.template`, ..., `core.v1.Container.image`. */
export function touchedDifferences(schema: PackageSchema, token: string, path: string, comparison: SchemaComparison): Difference[] {
  const namer = namerOf(schema);
  const hits: Difference[] = [];
  let owner = argsName(schema, token);
  let props = token.startsWith(PROVIDER_TOKEN_PREFIX) ? schema.provider.inputProperties : schema.resources[token]?.inputProperties;
  for (const part of path.split(".")) {
    hits.push(...comparison.inputs.filter((d) => d.path === `${owner}.${part}` || d.path === `${owner}.*`));
    const spec = props?.[part];
    const inner = spec?.items ?? spec;
    if (!inner?.$ref || inner.additionalProperties || !inner.$ref.startsWith("#/types/")) break; // scalars, maps and unions end the path
    const typeToken = inner.$ref.slice("#/types/".length);
    owner = namer(typeToken);
    props = schema.types[typeToken]?.properties;
  }
  return hits;
}
