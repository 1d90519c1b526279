// Runs the Pulumi program (index.ts's default export) under pulumi.runtime.setMocks for a shipped stack file, with
// Pulumi.yaml's project defaults merged the way the CLI merges them, and records what the program declared:
// every resource's type, name, inputs (secrets unwrapped, with the list of inputs that were secret) and options,
// the stack outputs (with the ones that were secret), and what the program logged.
//
// Offline: the pull source's registry resolution is injected (a deterministic fake by default; tests pass a
// resolver over the loopback fake registry from tests/support/fake-registry.ts). Can run any number of times in one
// process.

import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import program from "../../index.js";
import { PROJECT } from "../../src/config/schema.js";
import type { ImageResolver, ResolvedImage } from "../../src/image/types.js";
import { formatReference } from "../../src/oci/reference.js";
import type { ProgramLog } from "../../src/sandbox/log.js";
import { readYaml } from "./yaml.js";

export const PROJECT_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A config value as a stack file holds it: plain, or `{ secure: ... }` (here: the decrypted text to use). */
export type ConfigValue = string | number | boolean | readonly unknown[] | Record<string, unknown> | { readonly secure: string };

export interface RunOptions {
  /** Shipped stack file: stacks/Pulumi.<stackFile>.yaml. Omit for no stack file (project defaults only). */
  readonly stackFile?: string;
  /** Stack name the program sees; defaults to stackFile (or "test"). */
  readonly stack?: string;
  /** Config values by full key (`opencode-cloud:port`); `{ secure }` marks a secret; `null` removes a key. */
  readonly overrides?: Readonly<Record<string, ConfigValue | null>>;
  readonly resolver?: ImageResolver;
  readonly homeDir?: string;
  /** Run as `pulumi preview` (unknown outputs stay unknown). */
  readonly preview?: boolean;
}

export interface DeclaredResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly custom: boolean;
  /** Parent URN ("" for the stack itself). */
  readonly parent: string;
  /** Provider reference (`urn::id`) when the resource has an explicit or inherited provider. */
  readonly provider: string;
  /** Inputs as the provider receives them, secrets unwrapped. */
  readonly inputs: Record<string, unknown>;
  /** Top-level input names whose values were secret. */
  readonly secretInputs: readonly string[];
  readonly options: {
    readonly retainOnDelete: boolean;
    readonly protect: boolean;
    readonly deleteBeforeReplace: boolean;
    readonly dependsOn: readonly string[];
    readonly ignoreChanges: readonly string[];
    readonly replaceOnChanges: readonly string[];
    readonly additionalSecretOutputs: readonly string[];
  };
}

export interface ProgramRun {
  readonly resources: readonly DeclaredResource[];
  /** Stack outputs as the engine receives them, secrets unwrapped. */
  readonly outputs: Record<string, unknown>;
  readonly secretOutputs: readonly string[];
  readonly logs: readonly { readonly level: "info" | "warn"; readonly message: string }[];
  /** The config the program ran with (full keys -> strings) and which keys were secret. */
  readonly config: { readonly values: Record<string, string>; readonly secretKeys: readonly string[] };
}

/** Stand-in for a value decrypted from a `secure:` entry of a shipped stack file (no passphrase here). */
export const decryptedPlaceholder = (key: string): string => `decrypted-${key.replace(/[^a-zA-Z0-9]/g, "-")}`;

/** Stands in for the password `npm run up` stores in a new stack (tests/integration signs in with it). */
export const GENERATED_PASSWORD = "generated-by-npm-run-up-0123456789";

/** A digest made from a string, for fakes: `sha256:` + 64 hex. */
export const fakeDigest = (seed: string): string => `sha256:${createHash("sha256").update(seed).digest("hex")}`;

/** Default resolver: the first candidate answers with a digest derived from its name and tag, signed. */
export const fakeResolver: ImageResolver = async (settings) => {
  const reference = settings.candidates[0]!;
  const digest = settings.expectedDigest ?? fakeDigest(formatReference(reference));
  const resolved: ResolvedImage = {
    reference,
    digest,
    registry: reference.registry,
    pinned: `${reference.name}@${digest}`,
    signature: { state: "verified" },
  };
  return resolved;
};

function configString(value: ConfigValue): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

const isSecure = (value: unknown): value is { secure: string } =>
  typeof value === "object" && value !== null && !Array.isArray(value) && typeof (value as { secure?: unknown }).secure === "string" && Object.keys(value).length === 1;

/** Project defaults from Pulumi.yaml (keys in the project namespace get the `opencode-cloud:` prefix). */
export function projectDefaults(): Record<string, string> {
  const project = readYaml(join(PROJECT_DIR, "Pulumi.yaml")) as { config?: Record<string, unknown> };
  const defaults: Record<string, string> = {};
  for (const [key, decl] of Object.entries(project.config ?? {})) {
    const full = key.includes(":") ? key : `${PROJECT}:${key}`;
    if (typeof decl === "object" && decl !== null && !Array.isArray(decl) && "type" in decl) {
      const d = (decl as { default?: unknown }).default;
      if (d !== undefined) defaults[full] = configString(d as ConfigValue);
    } else if (decl !== undefined && decl !== null) {
      defaults[full] = configString(decl as ConfigValue);
    }
  }
  return defaults;
}

/** A shipped stack file's `config:` section, raw. */
export function stackFileConfig(stackFile: string): Record<string, unknown> {
  return ((readYaml(join(PROJECT_DIR, "stacks", `Pulumi.${stackFile}.yaml`)) as { config?: Record<string, unknown> } | null)?.config ?? {}) as Record<string, unknown>;
}

/** The config the CLI would hand the program: project defaults, then the stack file, then overrides. */
export function effectiveConfig(options: Pick<RunOptions, "stackFile" | "overrides">): { values: Record<string, string>; secretKeys: string[] } {
  const values = projectDefaults();
  const secret = new Set<string>();
  const apply = (key: string, value: unknown): void => {
    const full = key.includes(":") ? key : `${PROJECT}:${key}`;
    secret.delete(full);
    if (value === null) {
      delete values[full];
    } else if (isSecure(value)) {
      values[full] = value.secure.startsWith("v1:") || value.secure.startsWith("AAABA") ? decryptedPlaceholder(full) : value.secure;
      secret.add(full);
    } else {
      values[full] = configString(value as ConfigValue);
    }
  };
  if (options.stackFile) for (const [k, v] of Object.entries(stackFileConfig(options.stackFile))) apply(k, v);
  // The password `npm run up` generates on first use (a stack secret); an override replaces it, `null` removes it.
  if (!secret.has(`${PROJECT}:password`) && values[`${PROJECT}:password`] === "") apply(`${PROJECT}:password`, { secure: GENERATED_PASSWORD });
  for (const [k, v] of Object.entries(options.overrides ?? {})) apply(k, v);
  return { values, secretKeys: [...secret].sort() };
}

const { specialSigKey, specialSecretSig } = pulumi.runtime;

/** Unwraps secret markers; returns the value and whether any part was secret. */
function unwrap(value: unknown): [unknown, boolean] {
  if (Array.isArray(value)) {
    let secret = false;
    const out = value.map((v) => {
      const [u, s] = unwrap(v);
      secret ||= s;
      return u;
    });
    return [out, secret];
  }
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    if (record[specialSigKey] === specialSecretSig) return [unwrap(record["value"])[0], true];
    if (pulumi.Resource.isInstance(value)) return [value, false];
    let secret = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(record)) {
      const [u, s] = unwrap(v);
      secret ||= s;
      out[k] = u;
    }
    return [out, secret];
  }
  return [value, false];
}

function unwrapTop(props: Record<string, unknown>): { values: Record<string, unknown>; secret: string[] } {
  const values: Record<string, unknown> = {};
  const secret: string[] = [];
  for (const [k, v] of Object.entries(props)) {
    const [u, s] = unwrap(v);
    values[k] = u;
    if (s) secret.push(k);
  }
  return { values, secret: secret.sort() };
}

/** Computed outputs the mocked providers answer with (deterministic, derived from the inputs). */
function mockState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case "docker:index/remoteImage:RemoteImage":
      return { ...inputs, imageId: fakeDigest(`image-id:${String(inputs["name"])}`), repoDigest: String(inputs["name"]) };
    case "docker-build:index:Image":
      return { ...inputs, contextHash: fakeDigest(`context:${name}`).slice(7), digest: fakeDigest(`build:${name}`), ref: (inputs["tags"] as string[] | undefined)?.[0] ?? "" };
    case "docker-build:index:Index": {
      // One source index is copied as is (buildx imagetools create's carbon copy): the tag names the same digest.
      const sources = inputs["sources"] as string[];
      const copied = sources.length === 1 ? sources[0]!.slice(sources[0]!.lastIndexOf("@") + 1) : fakeDigest(`index:${name}`);
      return { ...inputs, ref: `${String(inputs["tag"])}@${copied}` };
    }
    case "docker:index/volume:Volume":
      return { ...inputs, mountpoint: `/var/lib/docker/volumes/${String(inputs["name"])}/_data`, driver: inputs["driver"] ?? "local" };
    default:
      return { ...inputs };
  }
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getDeletebeforereplace(): boolean;
  getDependenciesList(): string[];
  getIgnorechangesList(): string[];
  getReplaceonchangesList(): string[];
  getAdditionalsecretoutputsList(): string[];
}
type Callback = (err: unknown, response: unknown) => void;
interface MonitorLike {
  registerResource(req: RegisterRequest, cb: Callback): Promise<void>;
  registerResourceOutputs(req: { getUrn(): string; getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined }, cb: Callback): void;
}

/** The Pulumi runtime's state is process-global: runs are queued so concurrent callers never interleave. */
let queue: Promise<unknown> = Promise.resolve();

/** Runs the program once and records what it declared. Throws what the program throws (e.g. ConfigErrors). */
export function runProgram(options: RunOptions = {}): Promise<ProgramRun> {
  const run = queue.then(() => runOnce(options));
  queue = run.catch(() => undefined);
  return run;
}

/**
 * The SDK captures stack traces as bookkeeping: one for every promise it makes (runtime/debuggable.js, printed only
 * when a program leaks promises at exit) and one per resource (Resource.callsites, the source position it sends the
 * engine, which the mocks ignore). Under vitest each trace is source-mapped frame by frame, which cost half of a
 * program run's CPU. During a run those two are formatted as V8 does by default, without the source maps (a
 * promise's only if something reads it); every other stack (an error the program throws, a failing expectation)
 * goes to vitest's formatter as before.
 */
function withPlainSdkTraces<T>(run: () => Promise<T>): Promise<T> {
  const previous = Error.prepareStackTrace;
  if (previous === undefined) return run(); // Node's own formatting (outside vitest): left alone
  Error.prepareStackTrace = (error, frames) => {
    const top = frames[0]?.getFunctionName();
    if (top !== "debuggablePromise" && top !== "callsites") return previous(error, frames);
    const text = () => [String(error), ...frames.map((f) => `    at ${f}`)].join("\n");
    return top === "callsites" ? text() : { toString: text };
  };
  return run().finally(() => {
    Error.prepareStackTrace = previous;
  });
}

async function runOnce(options: RunOptions): Promise<ProgramRun> {
  return withPlainSdkTraces(() => runOnceTraced(options));
}

async function runOnceTraced(options: RunOptions): Promise<ProgramRun> {
  const stack = options.stack ?? options.stackFile ?? "test";
  const config = effectiveConfig(options);
  const declared = new Map<string, DeclaredResource>();
  const requests = new Map<string, RegisterRequest>();
  let stackOutputs: Record<string, unknown> = {};

  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const state = mockState(args.type, args.name, unwrap(args.inputs)[0] as Record<string, unknown>);
        return { id: args.custom === false ? undefined : `${args.name}-id`, state };
      },
      call: (args) => {
        throw new Error(`the program made an unexpected provider call: ${args.token}`);
      },
    },
    PROJECT,
    stack,
    options.preview ?? false,
  );
  pulumi.runtime.setAllConfig(config.values, config.secretKeys);

  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = async (req, cb) => {
    await register(req, (err, response) => {
      if (!err) {
        const urn = (response as { getUrn(): string }).getUrn();
        requests.set(urn, req);
      }
      cb(err, response);
    });
  };
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, cb) => {
    if (req.getUrn().includes("::pulumi:pulumi:Stack::")) {
      const struct = req.getOutputs();
      stackOutputs = struct ? pulumi.runtime.deserializeProperties(struct as never) : {};
    }
    registerOutputs(req, cb);
  };

  const logs: { level: "info" | "warn"; message: string }[] = [];
  const log: ProgramLog = {
    info: (message) => void logs.push({ level: "info", message }),
    warn: (message) => void logs.push({ level: "warn", message }),
  };

  // A program error is rethrown after the stack settles: thrown inside the stack's init it would also surface as
  // an unhandled rejection from the SDK's own bookkeeping.
  let failure: { error: unknown } | undefined;
  await pulumi.runtime.runInPulumiStack(async () => {
    try {
      return await program({ resolver: options.resolver ?? fakeResolver, log, homeDir: options.homeDir ?? "/home/tester" });
    } catch (error) {
      failure = { error };
      return {};
    }
  });
  const internal = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  if (internal.waitForRPCs) await internal.waitForRPCs();
  if (failure) throw failure.error;

  const mockMonitor = monitor as unknown as { resources: Map<string, { urn: string; state: unknown }> };
  for (const [urn, req] of requests) {
    const registered = mockMonitor.resources.get(urn);
    void registered;
    const inputs = unwrapTop(pulumi.runtime.deserializeProperties((req as unknown as { getObject(): never }).getObject(), true));
    declared.set(urn, {
      type: req.getType(),
      name: req.getName(),
      urn,
      custom: req.getCustom(),
      parent: req.getParent(),
      provider: req.getProvider(),
      inputs: inputs.values,
      secretInputs: inputs.secret,
      options: {
        retainOnDelete: req.getRetainondelete() ?? false,
        protect: req.getProtect() ?? false,
        deleteBeforeReplace: req.getDeletebeforereplace(),
        dependsOn: [...req.getDependenciesList()].sort(),
        ignoreChanges: req.getIgnorechangesList(),
        replaceOnChanges: req.getReplaceonchangesList(),
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      },
    });
  }
  const outputs = unwrapTop(stackOutputs);
  return {
    resources: [...declared.values()],
    outputs: outputs.values,
    secretOutputs: outputs.secret,
    logs,
    config: { values: config.values, secretKeys: config.secretKeys },
  };
}

/** The one declared resource of a type (and name, when given); throws when there is not exactly one. */
export function resourceOf(run: ProgramRun, type: string, name?: string): DeclaredResource {
  const found = run.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
  if (found.length !== 1) {
    throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${run.resources.map((r) => `${r.type} ${r.name}`).join(", ")}`);
  }
  return found[0]!;
}

export const TYPES = {
  volume: "docker:index/volume:Volume",
  network: "docker:index/network:Network",
  container: "docker:index/container:Container",
  remoteImage: "docker:index/remoteImage:RemoteImage",
  buildImage: "docker-build:index:Image",
  dockerProvider: "pulumi:providers:docker",
  buildProvider: "pulumi:providers:docker-build",
} as const;
