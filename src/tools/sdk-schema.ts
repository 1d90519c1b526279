// Reads what a Pulumi Node.js SDK declares (its .d.ts files, namespaces included) and what a provider's schema
// answers into one vocabulary of property shapes (name, normalised type, required-ness), and compares two shapes.
// Pure: src/tools/provider-schema.ts compares whole packages with it; the caller reads the files and the schema.

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

/** `kind name` -> body, for every interface and class of a .d.ts text, named with their namespaces (`core.v1.PodSpec`). */
export function declarations(dts: string): ReadonlyMap<string, string> {
  const text = stripComments(dts);
  const found = new Map<string, string>();
  // One entry per open brace: the declaration it opens (namespace, interface, class) or none (a type literal).
  const open: { kind?: string; name?: string; start: number }[] = [];
  let boundary = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{") {
      const head = /\b(namespace|module|interface|class)\s+([\w$.]+)/.exec(text.slice(boundary + 1, i));
      open.push(head ? { kind: head[1] === "module" ? "namespace" : head[1]!, name: head[2]!, start: i + 1 } : { start: i + 1 });
      boundary = i;
    } else if (c === "}") {
      const top = open.pop();
      // Only a declaration directly inside namespaces counts (not one inside a type literal, say).
      if (top?.kind && top.kind !== "namespace" && open.every((o) => o.kind === "namespace")) {
        const key = `${top.kind} ${[...open.map((o) => o.name), top.name].join(".")}`;
        const body = text.slice(top.start, i);
        found.set(key, found.has(key) ? `${found.get(key)};\n${body}` : body); // merged declarations
      }
      boundary = i;
    } else if (c === ";") {
      boundary = i;
    }
  }
  return found;
}

/** The last .d.ts text indexed, with its index: a package's types/input.d.ts is asked for hundreds of times. */
let indexed: { dts: string; index: ReadonlyMap<string, string> } | undefined;

/** The body (between the braces) of `interface <name>` or `class <name>` in a .d.ts text, or undefined. A dotted
 * name is looked up inside its namespaces: `apps.v1.StatefulSetSpec` is `namespace apps { namespace v1 { interface
 * StatefulSetSpec ... } }`, never the one of `apps.v1beta1`. */
export function declarationBody(dts: string, kind: "interface" | "class", name: string): string | undefined {
  if (indexed?.dts !== dts) indexed = { dts, index: declarations(dts) };
  return indexed.index.get(`${kind} ${name}`);
}

const OPEN = "<{[(";
const CLOSE = ">}])";

/** Splits `a; b<c; d>; e` at top-level `separator`s (`;` for statements, `|` for a union's members). */
function splitTopLevel(body: string, separator: ";" | "|"): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (OPEN.includes(c)) depth++;
    else if (CLOSE.includes(c) && !(c === ">" && body[i - 1] === "=")) depth--;
    else if (c === separator && depth === 0) {
      out.push(body.slice(start, i).trim());
      start = i + 1;
    }
  }
  const rest = body.slice(start).trim();
  if (rest) out.push(rest);
  return out;
}

/** `inner` when `text` is exactly `open` + inner + `close` with the brackets balanced (not `A<x> | B<y>`). */
function wrapped(text: string, open: string, close: string): string | undefined {
  if (!text.startsWith(open) || !text.endsWith(close)) return undefined;
  const inner = text.slice(open.length, text.length - close.length);
  let depth = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (OPEN.includes(c)) depth++;
    else if (CLOSE.includes(c) && !(c === ">" && inner[i - 1] === "=") && --depth < 0) return undefined;
  }
  return depth === 0 ? inner : undefined;
}

/** Normalises a TypeScript property type of a generated SDK to the same vocabulary as {@link schemaType}: `string`,
 * `number`, `"apps/v1"` (a constant), `core.v1.PodSpec` (a nested type, with its namespaces), `X[]`, `map<X>`, and
 * unions sorted (`number | string`); `undefined` dropped. */
export function tsType(raw: string): string {
  let t = raw.replace(/\s+/g, " ").trim();
  for (;;) {
    const inner = wrapped(t, "pulumi.Input<", ">") ?? wrapped(t, "pulumi.Output<", ">") ?? wrapped(t, "(", ")");
    if (inner === undefined) break;
    t = inner.trim();
  }
  const members = splitTopLevel(t, "|").filter((m) => m !== "undefined");
  if (members.length > 1) return union(members.map(tsType));
  if (members.length === 1 && members[0] !== t) return tsType(members[0]!);
  const map = /^\{ ?\[key: string\]: (.*?);? ?\}$/.exec(t);
  if (map) return `map<${tsType(map[1]!)}>`;
  const arr = /^(.*)\[\]$/.exec(t);
  if (arr) return arrayOf(tsType(arr[1]!));
  return ASSETS[t] ?? t.replace(/^(?:inputs|outputs|enums)\./, "");
}

/** The code generator writes the schema's Asset as `pulumi.asset.Asset | pulumi.asset.Archive`, Archive as `pulumi.asset.Archive`. */
const ASSETS: Readonly<Record<string, string>> = { "pulumi.asset.Asset": "Asset", "pulumi.asset.Archive": "Archive", "Archive | Asset": "Asset" };

/** A union's members, deduplicated and sorted. */
function union(members: readonly string[]): string {
  const text = [...new Set(members)].sort().join(" | ");
  return ASSETS[text] ?? text;
}

/** `X[]`; `(A | B)[]` for a union. */
const arrayOf = (item: string): string => (item.includes(" | ") ? `(${item})[]` : `${item}[]`);

/** Properties of an interface or class body: `name?: type;` or `readonly name: type;` (methods are skipped). */
export function dtsShape(body: string): Shape {
  const shape = new Map<string, PropertyShape>();
  for (const stmt of splitTopLevel(body, ";")) {
    const m = /^(?:readonly\s+)?"?([\w$-]+)"?(\?)?\s*:\s*([\s\S]+)$/.exec(stmt);
    if (!m || /^static\b/.test(stmt)) continue;
    const type = m[3]!.trim();
    const optional = m[2] === "?" || /\|\s*undefined\s*>?\s*$/.test(type.replace(/\s+/g, " "));
    shape.set(m[1]!, { type: tsType(type), required: !optional });
  }
  return shape;
}

/** A schema type spec (subset): what the providers' generated schemas use. */
export interface SchemaTypeSpec {
  type?: string;
  $ref?: string;
  items?: SchemaTypeSpec;
  additionalProperties?: SchemaTypeSpec;
  oneOf?: SchemaTypeSpec[];
  /** A property that holds one value only (Kubernetes' `apiVersion`, `kind`): the SDK declares it as that literal. */
  const?: unknown;
}

/** Maps a schema token (`kubernetes:apps/v1:StatefulSetSpec`) to the name the SDK gives it (`apps.v1.StatefulSetSpec`). */
export type TypeNamer = (token: string) => string;

/**
 * The Node.js code generator's naming: a token's module (`pkg:module:Name`), mapped by the schema's
 * `language.nodejs.moduleToPackage` when it names one, becomes namespaces (`networking.k8s.io/v1` -> `networking/v1`
 * -> `networking.v1.IngressSpec`); the `index` module (`docker:index/ContainerPort:ContainerPort`) is the root.
 */
export function sdkNamer(moduleToPackage: Readonly<Record<string, string>> = {}): TypeNamer {
  return (token) => {
    const [, module = "", name = token] = token.split(":");
    const mapped = moduleToPackage[module] ?? module;
    if (mapped === "index" || mapped.startsWith("index/") || mapped === "") return name;
    return `${mapped.replace(/\//g, ".")}.${name}`;
  };
}

const BUILTIN_REFS: Readonly<Record<string, string>> = { Any: "any", Json: "any", Asset: "Asset", Archive: "Archive" };

/** Normalises a schema type spec to the vocabulary of {@link tsType}: `#/types/docker:index/ContainerPort:ContainerPort`
 * -> `ContainerPort`; with a namer, `#/types/kubernetes:core/v1:PodSpec` -> `core.v1.PodSpec`. */
export function schemaType(spec: SchemaTypeSpec, namer: TypeNamer = sdkNamer()): string {
  if (spec.oneOf) return union(spec.oneOf.map((s) => schemaType(s, namer)));
  if (spec.$ref) {
    const builtin = /^pulumi\.json#\/(\w+)$/.exec(spec.$ref);
    if (builtin) return BUILTIN_REFS[builtin[1]!] ?? builtin[1]!;
    return namer(spec.$ref.replace(/^#\/(?:types|resources)\//, ""));
  }
  if (spec.const !== undefined) return JSON.stringify(spec.const);
  switch (spec.type) {
    case "integer":
    case "number":
      return "number";
    case "array":
      return arrayOf(schemaType(spec.items ?? {}, namer));
    case "object":
      return spec.additionalProperties ? `map<${schemaType(spec.additionalProperties, namer)}>` : "object";
    default:
      return spec.type ?? "any";
  }
}

/** Properties of a schema object: names, normalised types and which of them are required. */
export function schemaShape(properties: Record<string, SchemaTypeSpec> | undefined, required: readonly string[] | undefined, namer?: TypeNamer): Shape {
  const req = new Set(required ?? []);
  return new Map(Object.entries(properties ?? {}).map(([name, spec]) => [name, { type: schemaType(spec, namer), required: req.has(name) }]));
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
  const builtin = /^(string|number|boolean|any|object|Asset|Archive|".*")$/;
  const names = new Set<string>();
  const add = (type: string): void => {
    const base = type.replace(/(\[\])+$/, "").replace(/^map<(.*)>$/, "$1").replace(/(\[\])+$/, "").replace(/^\((.*)\)$/, "$1");
    if (base.includes(" | ")) base.split(" | ").forEach(add);
    else if (!builtin.test(base)) names.add(base);
  };
  for (const { type } of shape.values()) add(type);
  return [...names].sort();
}

/** Renders one difference for a report line. */
export function describe(d: Difference): string {
  const show = (s?: PropertyShape) => (s ? `${s.type}${s.required ? " (required)" : ""}` : "absent");
  return `${d.path}: SDK ${show(d.sdk)}, provider ${show(d.schema)}`;
}
