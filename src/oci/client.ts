// A small client for the parts of the OCI distribution API this project reads: a manifest's digest for a tag, the
// cosign signature tag, and the referrers of a digest. Authentication follows the token flow Docker Hub and GHCR
// use: 401 + WWW-Authenticate Bearer -> token endpoint (anonymous, or basic credentials when known) -> retry.

import { createHash } from "node:crypto";
import { parseChallenge, tokenUrl, type Challenge } from "./auth.js";
import type { Credential } from "./credentials.js";
import { registryBaseUrl, type EndpointOverrides } from "./endpoints.js";
import { DIGEST_RE } from "./reference.js";
import { isRetryableStatus, parseRetryAfter, realClock, TransientError, withRetries, type RetryClock } from "./retry.js";

/** Without these Accept types a registry may convert the manifest to schema1, which has another digest. */
export const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** Artifact types of cosign signatures found through the referrers API (sigstore bundle; legacy simple signing). */
export const SIGNATURE_ARTIFACT_TYPES = ["application/vnd.dev.sigstore.bundle.v0.3+json", "application/vnd.dev.cosign.artifact.sig.v1+json"];

/** Statuses a registry without the OCI 1.1 referrers API answers on /referrers/. */
const REFERRERS_UNSUPPORTED = [400, 404, 405];

export interface RegistryClientOptions {
  readonly overrides?: EndpointOverrides;
  readonly fetch?: typeof fetch;
  readonly clock?: RetryClock;
  /** Credentials for a registry host, asked only when the registry demands authentication. */
  readonly credential?: (host: string) => Promise<Credential | undefined>;
  /** Per-request timeout. */
  readonly timeoutMs?: number;
}

export class RegistryError extends Error {
  override readonly name = "RegistryError";

  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The `{"errors":[{"code","message"}]}` body of a distribution API error, as one short string. */
function errorDetail(body: string): string {
  try {
    const parsed = JSON.parse(body) as { errors?: { code?: string; message?: string }[] };
    const first = parsed.errors?.[0];
    if (first) return [first.code, first.message].filter(Boolean).join(": ");
  } catch {
    // not JSON
  }
  return body.trim().slice(0, 200);
}

export class RegistryClient {
  private readonly fetch: typeof fetch;
  private readonly clock: RetryClock;
  private readonly tokens = new Map<string, string>();

  constructor(private readonly options: RegistryClientOptions = {}) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.clock = options.clock ?? realClock;
  }

  /** The digest the registry serves for `repository:reference` (tag or digest). */
  async manifestDigest(host: string, repository: string, reference: string): Promise<string> {
    const url = `${registryBaseUrl(host, this.options.overrides)}/v2/${repository}/manifests/${reference}`;
    const head = await this.request(host, repository, url, "HEAD", { Accept: MANIFEST_ACCEPT });
    if (head.status === 404) throw new RegistryError(`${host}/${repository}:${reference} not found (HTTP 404)`, 404);
    if (!head.ok) throw new RegistryError(`HEAD ${url} answered HTTP ${head.status}`, head.status);
    const digest = head.headers.get("docker-content-digest");
    if (digest) {
      if (!DIGEST_RE.test(digest)) throw new RegistryError(`${host} answered an unusable Docker-Content-Digest "${digest}"`);
      return digest;
    }
    // Some registries omit the header on HEAD: fetch the manifest and hash what was served.
    const get = await this.request(host, repository, url, "GET", { Accept: MANIFEST_ACCEPT });
    if (!get.ok) throw new RegistryError(`GET ${url} answered HTTP ${get.status}: ${errorDetail(await get.text())}`, get.status);
    return `sha256:${createHash("sha256").update(Buffer.from(await get.arrayBuffer())).digest("hex")}`;
  }

  /** True when the cosign signature tag `sha256-<hex>.sig` exists for the digest. */
  async hasSignatureTag(host: string, repository: string, digest: string): Promise<boolean> {
    const tag = `${digest.replace(":", "-")}.sig`;
    const url = `${registryBaseUrl(host, this.options.overrides)}/v2/${repository}/manifests/${tag}`;
    const res = await this.request(host, repository, url, "HEAD", { Accept: MANIFEST_ACCEPT });
    if (res.status === 404) return false;
    if (!res.ok) throw new RegistryError(`HEAD ${url} answered HTTP ${res.status}`, res.status);
    return true;
  }

  /**
   * True when a referrer of the digest is a cosign signature. Through the referrers API where the registry has it;
   * where it answers 404 (or 400/405 on some implementations), through the OCI 1.1 referrers tag schema that clients
   * such as cosign 3 write there instead: an index tagged `sha256-<hex>` listing the referrers (GHCR and the
   * distribution registry have no referrers API; found by the rehearsal, where cosign 3 left exactly that tag).
   */
  async hasSignatureReferrer(host: string, repository: string, digest: string): Promise<boolean> {
    const url = `${registryBaseUrl(host, this.options.overrides)}/v2/${repository}/referrers/${digest}`;
    const res = await this.request(host, repository, url, "GET", { Accept: "application/vnd.oci.image.index.v1+json" });
    if (!REFERRERS_UNSUPPORTED.includes(res.status)) {
      if (!res.ok) throw new RegistryError(`GET ${url} answered HTTP ${res.status}`, res.status);
      return signatureTypes(await res.json()).some(isSignatureType);
    }
    await res.body?.cancel();
    // The tag's index may name a referrer by its config's media type (go-containerregistry, under cosign 3, lists
    // `application/vnd.oci.empty.v1+json`): such a referrer is read for the artifact type it declares itself.
    const tagged = await this.manifest(host, repository, digest.replace(":", "-"));
    for (const descriptor of referrerDescriptors(tagged?.body)) {
      if (isSignatureType(descriptor.artifactType)) return true;
      if (typeof descriptor.digest !== "string") continue;
      const referrer = await this.manifest(host, repository, descriptor.digest);
      if (signatureTypes(referrer?.body).some(isSignatureType)) return true;
    }
    return false;
  }

  /**
   * The manifest `repository:reference` (tag or digest) serves: its digest (of the bytes served), media type and parsed
   * body. Undefined when the registry answers 404. (Added for the release program's immutable-tag check.)
   */
  async manifest(host: string, repository: string, reference: string): Promise<{ digest: string; mediaType: string; body: unknown } | undefined> {
    const url = `${registryBaseUrl(host, this.options.overrides)}/v2/${repository}/manifests/${reference}`;
    const res = await this.request(host, repository, url, "GET", { Accept: MANIFEST_ACCEPT });
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) throw new RegistryError(`GET ${url} answered HTTP ${res.status}: ${errorDetail(await res.text())}`, res.status);
    const bytes = Buffer.from(await res.arrayBuffer());
    let body: unknown;
    try {
      body = JSON.parse(bytes.toString("utf8"));
    } catch {
      throw new RegistryError(`GET ${url} answered a manifest that is not JSON`);
    }
    return { digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}`, mediaType: res.headers.get("content-type") ?? "", body };
  }

  /**
   * A JSON blob (an image config) by digest, its bytes checked against the digest. Undefined when the registry
   * answers 404. (Added for the release program's platform manifest checks.)
   */
  async jsonBlob(host: string, repository: string, digest: string): Promise<unknown> {
    if (!DIGEST_RE.test(digest)) throw new RegistryError(`blob digest "${digest}" is not sha256:<64 hex>`);
    const url = `${registryBaseUrl(host, this.options.overrides)}/v2/${repository}/blobs/${digest}`;
    const res = await this.request(host, repository, url, "GET", {});
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) throw new RegistryError(`GET ${url} answered HTTP ${res.status}: ${errorDetail(await res.text())}`, res.status);
    const bytes = Buffer.from(await res.arrayBuffer());
    const actual = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    if (actual !== digest) throw new RegistryError(`GET ${url} served bytes with digest ${actual}, not ${digest}`);
    try {
      return JSON.parse(bytes.toString("utf8"));
    } catch {
      throw new RegistryError(`GET ${url} answered a blob that is not JSON`);
    }
  }

  /** One request with retries; answers 401 challenges once with a token (or basic credentials). */
  private async request(host: string, repository: string, url: string, method: string, headers: Record<string, string>): Promise<Response> {
    const tokenKey = `${host}/${repository}`;
    const send = async (auth?: string): Promise<Response> =>
      withRetries(async () => {
        let res: Response;
        try {
          res = await this.fetch(url, {
            method,
            headers: { ...headers, ...(auth ? { Authorization: auth } : {}) },
            redirect: "follow",
            signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
          });
        } catch (e) {
          throw new TransientError(`${method} ${url}: ${networkMessage(e)}`);
        }
        if (isRetryableStatus(res.status)) {
          await res.body?.cancel();
          throw new TransientError(`${method} ${url} answered HTTP ${res.status}`, parseRetryAfter(res.headers.get("retry-after"), this.clock.now()));
        }
        return res;
      }, this.clock);

    const cached = this.tokens.get(tokenKey);
    let res = await send(cached);
    if (res.status !== 401) return res;
    const challenge = parseChallenge(res.headers.get("www-authenticate"));
    await res.body?.cancel();
    if (!challenge) throw new RegistryError(`${method} ${url} answered HTTP 401 without a usable WWW-Authenticate challenge`, 401);
    const credential = await this.options.credential?.(host);
    const auth = await this.authorize(challenge, repository, credential);
    this.tokens.set(tokenKey, auth);
    res = await send(auth);
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      const who = credential ? `with credentials from ${credential.source}` : "anonymously";
      throw new RegistryError(`${host}/${repository}: access denied ${who} (HTTP ${res.status})`, res.status);
    }
    return res;
  }

  private async authorize(challenge: Challenge, repository: string, credential: Credential | undefined): Promise<string> {
    const basic = credential ? `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString("base64")}` : undefined;
    if (challenge.scheme === "basic") {
      if (!basic) throw new RegistryError("the registry wants basic authentication and no credentials were found", 401);
      return basic;
    }
    const url = tokenUrl(challenge, repository);
    const res = await withRetries(async () => {
      let r: Response;
      try {
        r = await this.fetch(url, { headers: basic ? { Authorization: basic } : {}, signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000) });
      } catch (e) {
        throw new TransientError(`token request ${url}: ${networkMessage(e)}`);
      }
      if (isRetryableStatus(r.status)) {
        await r.body?.cancel();
        throw new TransientError(`token request ${url} answered HTTP ${r.status}`, parseRetryAfter(r.headers.get("retry-after"), this.clock.now()));
      }
      return r;
    }, this.clock);
    if (!res.ok) throw new RegistryError(`token request ${url} answered HTTP ${res.status}: ${errorDetail(await res.text())}`, res.status);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError(`token request ${url} answered without a token`);
    return `Bearer ${token}`;
  }
}

function networkMessage(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ""}`;
  return e instanceof Error ? e.message : String(e);
}

interface Descriptor {
  readonly artifactType?: unknown;
  readonly digest?: unknown;
}

const isSignatureType = (type: unknown): boolean => typeof type === "string" && SIGNATURE_ARTIFACT_TYPES.includes(type);

/** The descriptors an OCI index (a referrers answer or a referrers tag) lists; none for anything else. */
function referrerDescriptors(index: unknown): Descriptor[] {
  const manifests = (index as { manifests?: unknown } | undefined)?.manifests;
  return Array.isArray(manifests) ? (manifests as Descriptor[]) : [];
}

/**
 * The artifact types a document declares: each descriptor's, for an index; for a manifest its own `artifactType`,
 * else its config's media type (OCI 1.1), plus its layers' media types (a cosign bundle is the one layer).
 */
export function signatureTypes(document: unknown): unknown[] {
  const doc = document as { artifactType?: unknown; config?: { mediaType?: unknown }; layers?: unknown; manifests?: unknown } | undefined;
  if (Array.isArray(doc?.manifests)) return referrerDescriptors(doc).map((d) => d.artifactType);
  const layers = Array.isArray(doc?.layers) ? (doc.layers as { mediaType?: unknown }[]).map((l) => l.mediaType) : [];
  return [doc?.artifactType ?? doc?.config?.mediaType, ...layers];
}
