// Compares what a Pulumi Node.js SDK declares (its .d.ts files) with what a provider's schema answers: property names,
// types and required-ness of resources, their nested types and the provider's configuration. Pure: the caller reads
// the files and the schema (scripts/docker-schema-diff.ts).

/** One property as both sides describe it: a normalised type (`string`, `number`, `Name[]`, `map<string>`, ...). */
export interface PropertyShape {
  readonly type: string;
  readonly required: boolean;
}

/** Property name -> shape. */
export type Shape = ReadonlyMap<string, PropertyShape>;

export interface Difference {
  /** `Container.ports`, `ContainerPort.ip`, `Provider.sshOpts`, ... */
  readonly path: string;
  readonly sdk?: PropertyShape;
  readonly schema?: PropertyShape;
}

/** Removes `/* ... *\/` and `// ...` comments. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/[^\n]*/g, "");
}

/** The body (between the braces) of `interface <name>` or `class <name>` in a .d.ts text, or undefined. */
export function declarationBody(dts: string, kind: "interface" | "class", name: string): string | undefined {
  const text = stripComments(dts);
  const head = new RegExp(`\\b${kind}\\s+${name}\\b[^{]*\\{`).exec(text);
  if (!head) return undefined;
  let depth = 1;
  for (let i = head.index + head[0].length; i < text.length; i++) {
    const c = text[i];
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return text.slice(head.index + head[0].length, i);
  }
  return undefined;
}

const OPEN = "<{[(";
const CLOSE = ">}])";

/** Splits `a; b<c; d>; e` at top-level semicolons. */
function topLevelStatements(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (OPEN.includes(c)) depth++;
    else if (CLOSE.includes(c) && !(c === ">" && body[i - 1] === "=")) depth--;
    else if (c === ";" && depth === 0) {
      out.push(body.slice(start, i).trim());
      start = i + 1;
    }
  }
  const rest = body.slice(start).trim();
  if (rest) out.push(rest);
  return out;
}

/** Normalises a TypeScript property type of a generated SDK to the same vocabulary as {@link schemaType}. */
export function tsType(raw: string): string {
  let t = raw.replace(/\s+/g, " ").trim();
  for (;;) {
    const m = /^pulumi\.(?:Input|Output)<(.*)>$/.exec(t);
    if (!m) break;
    t = m[1]!.trim();
  }
  t = t.replace(/\s*\|\s*undefined\b/g, "").trim();
  const map = /^\{ ?\[key: string\]: (.*?);? ?\}$/.exec(t);
  if (map) return `map<${tsType(map[1]!)}>`;
  const arr = /^(.*)\[\]$/.exec(t);
  if (arr) return `${tsType(arr[1]!)}[]`;
  t = t.replace(/^(?:inputs|outputs)\./, "").replace(/^enums\.\w+\./, "");
  return t;
}

/** Properties of an interface or class body: `name?: type;` or `readonly name: type;` (methods are skipped). */
export function dtsShape(body: string): Shape {
  const shape = new Map<string, PropertyShape>();
  for (const stmt of topLevelStatements(body)) {
    const m = /^(?:readonly\s+)?(\w+)(\?)?\s*:\s*([\s\S]+)$/.exec(stmt);
    if (!m || /^static\b/.test(stmt)) continue;
    const type = m[3]!.trim();
    const optional = m[2] === "?" || /\|\s*undefined\s*>?\s*$/.test(type.replace(/\s+/g, " "));
    shape.set(m[1]!, { type: tsType(type), required: !optional });
  }
  return shape;
}

/** A schema type spec (subset): what the bridge's generated schema uses. */
export interface SchemaTypeSpec {
  type?: string;
  $ref?: string;
  items?: SchemaTypeSpec;
  additionalProperties?: SchemaTypeSpec;
}

/** Normalises a schema type spec: `#/types/docker:index/ContainerPort:ContainerPort` -> `ContainerPort`. */
export function schemaType(spec: SchemaTypeSpec): string {
  if (spec.$ref) return spec.$ref.slice(spec.$ref.lastIndexOf(":") + 1).replace(/^#\//, "");
  switch (spec.type) {
    case "integer":
    case "number":
      return "number";
    case "array":
      return `${schemaType(spec.items ?? {})}[]`;
    case "object":
      return spec.additionalProperties ? `map<${schemaType(spec.additionalProperties)}>` : "object";
    default:
      return spec.type ?? "any";
  }
}

/** Properties of a schema object: names, normalised types and which of them are required. */
export function schemaShape(properties: Record<string, SchemaTypeSpec> | undefined, required: readonly string[] | undefined): Shape {
  const req = new Set(required ?? []);
  return new Map(Object.entries(properties ?? {}).map(([name, spec]) => [name, { type: schemaType(spec), required: req.has(name) }]));
}

/** Differences between two shapes, sorted by path; `prefix` names the object (`Container`, `ContainerPort`, ...). */
export function compareShapes(prefix: string, sdk: Shape, schema: Shape): Difference[] {
  const names = [...new Set([...sdk.keys(), ...schema.keys()])].sort();
  const out: Difference[] = [];
  for (const name of names) {
    const a = sdk.get(name);
    const b = schema.get(name);
    if (a && b && a.type === b.type && a.required === b.required) continue;
    out.push({ path: `${prefix}.${name}`, ...(a ? { sdk: a } : {}), ...(b ? { schema: b } : {}) });
  }
  return out;
}

/** Every nested type name a shape refers to (`ContainerPort[]` -> `ContainerPort`), builtins left out. */
export function referencedTypes(shape: Shape): string[] {
  const builtin = /^(string|number|boolean|any|object|Asset|Archive)$/;
  const names = new Set<string>();
  for (const { type } of shape.values()) {
    const base = type.replace(/\[\]$/g, "").replace(/^map<(.*)>$/, "$1").replace(/\[\]$/g, "");
    if (!builtin.test(base)) names.add(base);
  }
  return [...names].sort();
}

/** Renders one difference for a report line. */
export function describe(d: Difference): string {
  const show = (s?: PropertyShape) => (s ? `${s.type}${s.required ? " (required)" : ""}` : "absent");
  return `${d.path}: SDK ${show(d.sdk)}, provider ${show(d.schema)}`;
}

/** Dotted paths an argument object sets, nested objects and array elements included (`ports.internal`, ...).
 * A Pulumi Output (a secret, a resource's output) is a leaf: its value is not known to the program. */
export function usedPaths(value: unknown, prefix = ""): string[] {
  if (Array.isArray(value)) return [...new Set(value.flatMap((v) => usedPaths(v, prefix)))].sort();
  if (value === null || typeof value !== "object" || "__pulumiOutput" in value) return [];
  const out = new Set<string>();
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined) continue;
    const path = prefix ? `${prefix}.${k}` : k;
    out.add(path);
    for (const p of usedPaths(v, path)) out.add(p);
  }
  return [...out].sort();
}
