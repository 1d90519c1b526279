// Registry credentials, where a registry needs them: the Docker config file first (inline `auths`, then the
// credential helper for the host in `credHelpers`, then `credsStore`), then environment variables.

import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { CREDENTIAL_ENV, type RegistryKey } from "../config/release.js";
import { DOCKER_HUB } from "./reference.js";

export interface Credential {
  readonly username: string;
  readonly password: string;
  /** Where it came from, for messages (never the secret itself). */
  readonly source: string;
}

export interface DockerConfigFile {
  readonly auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  readonly credHelpers?: Record<string, string>;
  readonly credsStore?: string;
}

/** Runs `docker-credential-<helper> get` for a server; undefined when it has nothing for it. */
export type CredentialHelper = (helper: string, serverUrl: string) => Promise<{ Username: string; Secret: string } | undefined>;

export interface CredentialSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The parsed Docker config file, or undefined when there is none. */
  readonly dockerConfig?: DockerConfigFile;
  readonly helper: CredentialHelper;
}

/** Env vars for registries other than Docker Hub and GHCR. */
export const GENERIC_CREDENTIAL_ENV = { username: "OPENCODE_CLOUD_REGISTRY_USERNAME", password: "OPENCODE_CLOUD_REGISTRY_PASSWORD" } as const;

const DOCKER_HUB_KEYS = ["https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io", "https://registry-1.docker.io"];

/** The keys a Docker config file may use for a registry host. */
export function configKeys(host: string): string[] {
  return host === DOCKER_HUB ? DOCKER_HUB_KEYS : [host, `https://${host}`, `http://${host}`, `https://${host}/v1/`, `https://${host}/v2/`];
}

const registryKey = (host: string): RegistryKey | undefined => (host === DOCKER_HUB ? "dockerHub" : host === "ghcr.io" ? "ghcr" : undefined);

export async function registryCredential(host: string, sources: CredentialSources): Promise<Credential | undefined> {
  const config = sources.dockerConfig;
  const keys = configKeys(host);
  for (const key of keys) {
    const entry = config?.auths?.[key];
    if (!entry) continue;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source: `Docker config auths["${key}"]` };
    }
    if (entry.username && entry.password) return { username: entry.username, password: entry.password, source: `Docker config auths["${key}"]` };
  }
  const helperKey = keys.find((k) => config?.credHelpers?.[k]);
  const helper = helperKey ? config!.credHelpers![helperKey]! : config?.credsStore;
  if (helper) {
    const found = await sources.helper(helper, keys[0]!);
    if (found?.Secret) return { username: found.Username, password: found.Secret, source: `docker-credential-${helper}` };
  }
  const key = registryKey(host);
  const names = key ? CREDENTIAL_ENV[key] : { username: [GENERIC_CREDENTIAL_ENV.username], token: [GENERIC_CREDENTIAL_ENV.password] };
  const username = names.username.map((n) => sources.env[n]).find(Boolean);
  const tokenName = names.token.find((n) => sources.env[n]);
  if (username && tokenName) return { username, password: sources.env[tokenName]!, source: `environment (${tokenName})` };
  return undefined;
}

/** Reads `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`; undefined when absent. */
export async function readDockerConfig(env: Readonly<Record<string, string | undefined>> = process.env): Promise<DockerConfigFile | undefined> {
  const path = join(env["DOCKER_CONFIG"] ?? join(homedir(), ".docker"), "config.json");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as DockerConfigFile;
  } catch (e) {
    throw new Error(`${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** The real credential helper protocol: server URL on stdin, JSON on stdout; "not found" means no credentials. */
export const execCredentialHelper: CredentialHelper = (helper, serverUrl) =>
  new Promise((resolve, reject) => {
    if (!/^[\w.-]+$/.test(helper)) return reject(new Error(`credential helper name "${helper}" is not valid`));
    const child = execFile(`docker-credential-${helper}`, ["get"], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) {
        if (/not found/i.test(`${stdout}${stderr}`)) return resolve(undefined);
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return reject(new Error(`docker-credential-${helper} is configured in the Docker config file but not installed`));
        return reject(new Error(`docker-credential-${helper} get failed: ${stderr.trim() || error.message}`));
      }
      try {
        resolve(JSON.parse(stdout) as { Username: string; Secret: string });
      } catch {
        reject(new Error(`docker-credential-${helper} get printed no JSON`));
      }
    });
    child.stdin?.end(serverUrl);
  });
