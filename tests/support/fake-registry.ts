// An in-process OCI registry and bearer-token endpoint on loopback, shaped like Docker Hub's and GHCR's:
// manifests answer 401 + `WWW-Authenticate: Bearer realm=...,service=...` until the client brings a token from
// /token. Faults (status codes, Retry-After) can be queued per request; every request is recorded.

import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { MANIFEST_ACCEPT } from "../../src/oci/client.js";

export interface FakeManifest {
  readonly mediaType: string;
  readonly body: string;
}

export interface Fault {
  readonly status: number;
  readonly headers?: Record<string, string>;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization?: string;
  readonly accept?: string;
}

export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+prettyjws";

export const digestOf = (body: string): string => `sha256:${createHash("sha256").update(body).digest("hex")}`;

/** A small OCI index whose digest depends on `seed`. */
export function fakeIndex(seed: string): FakeManifest {
  return { mediaType: OCI_INDEX, body: JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [], annotations: { seed } }) };
}

export class FakeRegistry {
  readonly requests: RecordedRequest[] = [];
  /** repository -> tag -> manifest. */
  readonly manifests = new Map<string, Map<string, FakeManifest>>();
  /** repository -> digest -> blob body (served as stored: a test may store bytes that do not match the digest). */
  readonly blobs = new Map<string, Map<string, string>>();
  /** Digests with a cosign `sha256-<hex>.sig` tag. */
  readonly signatureTags = new Set<string>();
  /** digest -> artifact types listed by the referrers API (absent: the API answers 404). */
  readonly referrers = new Map<string, string[]>();
  /** Faults answered, in order, to the next manifest requests (before authentication is checked). */
  readonly faults: Fault[] = [];
  /** When set, the token endpoint demands these basic credentials. */
  requiredCredentials?: { username: string; password: string };
  omitDigestHeader = false;
  /** Status of /referrers/ for digests without referrers (404, or 405 like registries without the API). */
  referrersMissingStatus = 404;
  private readonly tokens = new Set<string>();
  private server?: Server;
  private issued = 0;

  constructor(readonly service = "fake-registry") {}

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error("fake registry not started");
    return `http://127.0.0.1:${address.port}`;
  }

  /** Adds a tag; returns the manifest's digest. */
  push(repository: string, tag: string, manifest: FakeManifest): string {
    let tags = this.manifests.get(repository);
    if (!tags) this.manifests.set(repository, (tags = new Map()));
    tags.set(tag, manifest);
    return digestOf(manifest.body);
  }

  /** Stores a blob under its digest (or under `as`, to act out a registry serving other bytes); returns the digest. */
  pushBlob(repository: string, body: string, as?: string): string {
    let blobs = this.blobs.get(repository);
    if (!blobs) this.blobs.set(repository, (blobs = new Map()));
    const digest = as ?? digestOf(body);
    blobs.set(digest, body);
    return digest;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  manifestRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.includes("/manifests/"));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", this.url);
    this.requests.push({
      method: req.method ?? "GET",
      path: `${url.pathname}${url.search}`,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(req.headers.accept ? { accept: req.headers.accept } : {}),
    });
    if (url.pathname === "/token") return this.token(req, url, res);
    const match = /^\/v2\/(.+)\/(manifests|referrers|blobs)\/([^/]+)$/.exec(url.pathname);
    if (!match) return void res.writeHead(404).end();
    const fault = this.faults.shift();
    if (fault) return void res.writeHead(fault.status, fault.headers ?? {}).end(`{"errors":[{"code":"FAULT","message":"injected ${fault.status}"}]}`);
    const [, repository, kind, reference] = match as unknown as [string, string, string, string];
    if (!this.tokens.has((req.headers.authorization ?? "").replace(/^Bearer /, ""))) {
      res.writeHead(401, {
        "WWW-Authenticate": `Bearer realm="${this.url}/token",service="${this.service}",scope="repository:${repository}:pull"`,
        "Content-Type": "application/json",
      });
      return void res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    }
    if (kind === "blobs") {
      const blob = this.blobs.get(repository)?.get(reference);
      if (blob === undefined) return void res.writeHead(404, { "Content-Type": "application/json" }).end('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}');
      return void res.writeHead(200, { "Content-Type": "application/octet-stream" }).end(blob);
    }
    if (kind === "referrers") {
      const types = this.referrers.get(reference);
      if (!types) return void res.writeHead(this.referrersMissingStatus).end();
      const body = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: types.map((t, i) => ({ artifactType: t, digest: digestOf(`${reference}${i}`), size: 1, mediaType: "application/vnd.oci.image.manifest.v1+json" })) });
      return void res.writeHead(200, { "Content-Type": OCI_INDEX }).end(body);
    }
    if (/^sha256-[0-9a-f]{64}\.sig$/.test(reference)) {
      const signed = this.signatureTags.has(reference.replace("-", ":").replace(/\.sig$/, ""));
      return void res.writeHead(signed ? 200 : 404, signed ? { "Docker-Content-Digest": digestOf(reference) } : {}).end();
    }
    const manifest = this.manifests.get(repository)?.get(reference);
    if (!manifest) return void res.writeHead(404, { "Content-Type": "application/json" }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
    // Without Accept for the stored type, answer what old registries do: a converted schema1 with another digest.
    const accepted = (req.headers.accept ?? "").split(",").map((s) => s.trim());
    const served = accepted.includes(manifest.mediaType) ? manifest : { mediaType: SCHEMA1, body: `${manifest.body} (converted)` };
    const headers: Record<string, string> = { "Content-Type": served.mediaType, "Content-Length": String(Buffer.byteLength(served.body)) };
    if (!this.omitDigestHeader) headers["Docker-Content-Digest"] = digestOf(served.body);
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : served.body);
  }

  private token(req: IncomingMessage, url: URL, res: ServerResponse): void {
    if (url.searchParams.get("service") !== this.service || !/^repository:.+:pull$/.test(url.searchParams.get("scope") ?? "")) {
      return void res.writeHead(400).end('{"errors":[{"code":"BAD_REQUEST","message":"service or scope missing"}]}');
    }
    if (this.requiredCredentials) {
      const wanted = `Basic ${Buffer.from(`${this.requiredCredentials.username}:${this.requiredCredentials.password}`).toString("base64")}`;
      if (req.headers.authorization !== wanted) return void res.writeHead(401).end('{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}');
    }
    const token = `token-${++this.issued}`;
    this.tokens.add(token);
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ token, expires_in: 300 }));
  }
}

/** The Accept header clients must send (re-exported for assertions). */
export { MANIFEST_ACCEPT };
