// A real Kubernetes API server for the team stack's tests: the control plane, etcd and kwok that
// scripts/ci-env/build-kube.sh builds into the version-keyed cache, started by `kwokctl --runtime binary` on
// loopback, with simulated nodes (kwok marks their pods Ready) and static volumes for the claims to bind to.
// Under CI=true a missing piece is a failure; elsewhere the suite is skipped with the reason printed.

import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { promisify } from "node:util";
import { parse as parseYaml, stringify } from "yaml";
import { CI_ENV, KUBE_TOOLS } from "../../../src/facts.js";
import { readToolsEnvFile, toolsEnvOf, type ToolsEnvFile } from "../../../scripts/lib/tools-env.js";

const run = promisify(execFile);

/** What build-kube.sh writes to KUBE_TOOLS.envFile: the plugin's directory as `path`, and every piece's path. */
export interface KubeEnvFile extends ToolsEnvFile {
  pieces: KubePieces;
}
export interface KubePieces {
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  etcd: string;
  kwok: string;
  kwokctl: string;
  /** The Pulumi Kubernetes provider plugin (for runs through the real engine, from PATH). */
  providerPlugin: string;
}
export const KUBE_ENV_FILE = join(KUBE_TOOLS.cacheDir, KUBE_TOOLS.envFile);
const PIECES: readonly (keyof KubePieces)[] = ["kubeApiserver", "kubeControllerManager", "kubeScheduler", "kubectl", "etcd", "kwok", "kwokctl", "providerPlugin"];

/** The kwokctl configuration: the binary runtime with our binaries only (nothing downloaded), on loopback. */
export function kwokctlConfig(pieces: KubePieces, apiserverPort: number): string {
  return stringify({
    kind: "KwokctlConfiguration",
    apiVersion: "config.kwok.x-k8s.io/v1alpha1",
    options: {
      runtime: "binary",
      bindAddress: "127.0.0.1",
      kubeApiserverPort: apiserverPort,
      kubeVersion: KUBE_TOOLS.kubernetes,
      kubeApiserverBinary: pieces.kubeApiserver,
      kubeControllerManagerBinary: pieces.kubeControllerManager,
      kubeSchedulerBinary: pieces.kubeScheduler,
      kubectlBinary: pieces.kubectl,
      etcdBinary: pieces.etcd,
      kwokControllerBinary: pieces.kwok,
      quietPull: true,
    },
  });
}

/** The pieces that are not built yet (or that the env file does not name), each with the command that builds it. */
export function missingPieces(pieces: Partial<KubePieces>): string[] {
  return PIECES.filter((name) => !pieces[name] || !existsSync(pieces[name])).map(
    (name) => `${name} (${pieces[name] ?? `not in ${KUBE_ENV_FILE}`}; run scripts/ci-env/build-kube.sh)`,
  );
}

/** Where scripts/ci-env.sh's background build of the pieces reports (CI_ENV.kubeBuild under `dir`). */
export interface KubeBuildFiles {
  readonly log: string;
  readonly pid: string;
  readonly exitCode: string;
}
const KUBE_BUILD: KubeBuildFiles = {
  log: join(CI_ENV.dir, CI_ENV.kubeBuild.log),
  pid: join(CI_ENV.dir, CI_ENV.kubeBuild.pid),
  exitCode: join(CI_ENV.dir, CI_ENV.kubeBuild.exitCode),
};

const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Waits while scripts/ci-env.sh's background build of the pieces runs (on a new machine it goes on while the other
 * tests run; the team files run last: vitest.integration.config.ts). Returns at once when no build was started (no
 * pid file) or it has ended well; throws, naming the log, when it failed, stopped without a result, or outlasted
 * `timeoutMs`.
 */
export async function kubeBuildEnded(files: KubeBuildFiles = KUBE_BUILD, timeoutMs = 90 * 60_000, pollMs = 5_000): Promise<void> {
  const since = Date.now();
  let said = false;
  while (existsSync(files.pid) && !existsSync(files.exitCode)) {
    const pid = Number(readFileSync(files.pid, "utf8").trim());
    // The pid file is written just after the build starts; the exit code just before its process ends.
    if (!processAlive(pid) && !existsSync(files.exitCode)) throw new Error(`the background build of the Kubernetes pieces (pid ${pid}) ended without an exit code: run scripts/ci-env.sh again (log: ${files.log})`);
    if (Date.now() - since > timeoutMs) throw new Error(`the Kubernetes pieces were still building after ${timeoutMs / 60_000} min (log: ${files.log})`);
    if (!said) console.warn(`team tier: waiting for the background build of the Kubernetes pieces (log: ${files.log})`);
    said = true;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  if (!existsSync(files.exitCode)) return;
  const code = readFileSync(files.exitCode, "utf8").trim();
  if (code !== "0") throw new Error(`building the Kubernetes pieces failed (exit code ${code}; log: ${files.log}; scripts/ci-env/build-kube.sh)`);
}

/** kubeEnvironment, once scripts/ci-env.sh's background build of the pieces has ended. */
export async function builtKubeEnvironment(): Promise<ReturnType<typeof kubeEnvironment>> {
  await kubeBuildEnded();
  return kubeEnvironment();
}

/**
 * The cluster's pieces and the environment that puts the provider plugin on PATH, or undefined (outside CI only)
 * when some are missing; under CI=true throws instead.
 */
export function kubeEnvironment(current: NodeJS.ProcessEnv = process.env): { pieces: KubePieces; env: Record<string, string> } | undefined {
  const file = readToolsEnvFile<KubeEnvFile>(KUBE_ENV_FILE, "scripts/ci-env/build-kube.sh", "team tier", current);
  if (!file) return undefined;
  const missing = missingPieces(file.pieces ?? {});
  if (missing.length === 0) return { pieces: file.pieces, env: toolsEnvOf(file, current) };
  const why = `missing Kubernetes pieces: ${missing.join(", ")}`;
  if (current.CI === "true") throw new Error(`team tier under CI=true: ${why}`);
  console.warn(`team tier skipped: ${why}`);
  return undefined;
}

interface KubeconfigFile {
  clusters: { cluster: { server: string; "certificate-authority"?: string; "certificate-authority-data"?: string } }[];
  users: { user: { "client-certificate"?: string; "client-key"?: string; "client-certificate-data"?: string; "client-key-data"?: string } }[];
}

/** A minimal client for the API server a kubeconfig names (client certificates, as kwokctl writes them). */
export class KubeApi {
  readonly server: URL;
  readonly #tls: { ca?: Buffer; cert?: Buffer; key?: Buffer };

  constructor(readonly kubeconfig: string) {
    const file = parseYaml(readFileSync(kubeconfig, "utf8")) as KubeconfigFile;
    const cluster = file.clusters[0]!.cluster;
    const user = file.users[0]!.user;
    const read = (path?: string, data?: string): Buffer | undefined => (data ? Buffer.from(data, "base64") : path ? readFileSync(path) : undefined);
    this.server = new URL(cluster.server);
    this.#tls = {
      ...(read(cluster["certificate-authority"], cluster["certificate-authority-data"]) ? { ca: read(cluster["certificate-authority"], cluster["certificate-authority-data"])! } : {}),
      ...(read(user["client-certificate"], user["client-certificate-data"]) ? { cert: read(user["client-certificate"], user["client-certificate-data"])! } : {}),
      ...(read(user["client-key"], user["client-key-data"]) ? { key: read(user["client-key"], user["client-key-data"])! } : {}),
    };
  }

  request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<{ status: number; body: T }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        new URL(path, this.server),
        { method, ...this.#tls, headers: body ? { "content-type": contentType } : {} },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : {}) as T });
          });
        },
      );
      req.on("error", reject);
      if (body) req.end(JSON.stringify(body));
      else req.end();
    });
  }

  async get<T = Record<string, unknown>>(path: string): Promise<T> {
    const res = await this.request<T>("GET", path);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Server-side apply of a whole object (JSON is YAML), as the Pulumi provider applies it. */
  async apply(object: KubeObject, fieldManager: string): Promise<Record<string, unknown>> {
    const path = `${objectPath(object)}?fieldManager=${fieldManager}&force=true`;
    const res = await this.request("PATCH", path, object, "application/apply-patch+yaml");
    if (res.status !== 200 && res.status !== 201) throw new Error(`apply ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async delete(object: KubeObject): Promise<void> {
    const res = await this.request("DELETE", objectPath(object));
    if (res.status !== 200 && res.status !== 202 && res.status !== 404) throw new Error(`delete ${objectPath(object)}: ${res.status}`);
  }

  async create(path: string, body: unknown): Promise<void> {
    const res = await this.request("POST", path, body);
    if (res.status !== 201 && res.status !== 409) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

export interface Cluster {
  readonly name: string;
  readonly kubeconfig: string;
  readonly api: KubeApi;
  /** Seconds `kwokctl create cluster` took until the API server answered. */
  readonly startSeconds: number;
  stop(): Promise<void>;
}

/** Starts a cluster with `nodes` simulated nodes; `kwokctl delete cluster` on stop. */
export async function startCluster(pieces: KubePieces, name: string, apiserverPort: number, nodes: number): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), "opencode-kwok-"));
  const config = join(dir, "kwok.yaml");
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(config, kwokctlConfig(pieces, apiserverPort));
  // kwokctl runs the first kubectl on PATH before the configured one: ours first.
  const env = { ...process.env, KWOK_WORKDIR: join(dir, "work"), PATH: [dirname(pieces.kubectl), process.env.PATH ?? ""].join(delimiter) };
  const started = Date.now();
  await run(pieces.kwokctl, ["create", "cluster", "--name", name, "--config", config, "--kubeconfig", kubeconfig, "--wait", "3m"], { env, timeout: 300_000 });
  const startSeconds = (Date.now() - started) / 1000;
  await run(pieces.kwokctl, ["scale", "node", "--name", name, "--replicas", String(nodes)], { env, timeout: 120_000 });
  return {
    name,
    kubeconfig,
    api: new KubeApi(kubeconfig),
    startSeconds,
    stop: async () => {
      await run(pieces.kwokctl, ["delete", "cluster", "--name", name], { env, timeout: 120_000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A storage class without a provisioner and `count` static volumes of `size` in it, for claims to bind to. */
export async function staticVolumes(api: KubeApi, storageClass: string, count: number, size: string): Promise<void> {
  await api.create("/apis/storage.k8s.io/v1/storageclasses", {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: storageClass },
    provisioner: "kubernetes.io/no-provisioner",
    volumeBindingMode: "Immediate",
    reclaimPolicy: "Retain",
  });
  for (let i = 0; i < count; i++) {
    await api.create("/api/v1/persistentvolumes", {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: `${storageClass}-${i}` },
      spec: {
        storageClassName: storageClass,
        capacity: { storage: size },
        accessModes: ["ReadWriteOnce"],
        persistentVolumeReclaimPolicy: "Retain",
        hostPath: { path: `/var/tmp/opencode-kwok-volumes/${storageClass}-${i}` },
      },
    });
  }
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

const PLURALS: Readonly<Record<string, string>> = {
  Namespace: "namespaces",
  Secret: "secrets",
  PersistentVolumeClaim: "persistentvolumeclaims",
  StatefulSet: "statefulsets",
  Service: "services",
  NetworkPolicy: "networkpolicies",
  Ingress: "ingresses",
};

/** The REST path of an object: /api/v1/... for the core group, /apis/<group>/<version>/... for the others. */
export function objectPath(object: Pick<KubeObject, "apiVersion" | "kind" | "metadata">): string {
  const plural = PLURALS[object.kind];
  if (!plural) throw new Error(`no REST path known for kind ${object.kind}`);
  const base = object.apiVersion.includes("/") ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
  const ns = object.metadata.namespace ? `/namespaces/${object.metadata.namespace}` : "";
  return `${base}${ns}/${plural}/${object.metadata.name}`;
}

/** A declared resource's Kubernetes object: the Pulumi type token names group, version and kind. */
export function declaredObject(type: string, inputs: Record<string, unknown>): KubeObject {
  const match = /^kubernetes:([a-z0-9.]+)\/([a-z0-9]+):([A-Za-z]+)$/.exec(type);
  if (!match) throw new Error(`not a Kubernetes resource type: ${type}`);
  const [, group, version, kind] = match;
  return { ...inputs, apiVersion: group === "core" ? version! : `${group}/${version}`, kind: kind! } as KubeObject;
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function waitFor<T>(what: string, seconds: number, check: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
