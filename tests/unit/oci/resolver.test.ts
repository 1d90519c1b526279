import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IMAGE_NAMES } from "../../../src/facts.js";
import { ImageResolutionError, registryResolver, type ResolverOptions } from "../../../src/image/resolver.js";
import { KEYLESS } from "../../../src/config/sandbox/signature.js";
import type { CosignResult } from "../../../src/image/cosign.js";
import type { PullSettings } from "../../../src/image/types.js";
import { SIGNATURE_ARTIFACT_TYPES } from "../../../src/oci/client.js";
import { parseReference } from "../../../src/oci/reference.js";
import { BASE_DELAY_MS, RETRIES } from "../../../src/oci/retry.js";
import type { ProgramLog } from "../../../src/sandbox/log.js";
import { digestOf, FakeRegistry, fakeIndex, MANIFEST_ACCEPT, OCI_INDEX } from "../../support/fake-registry.js";

const HUB = parseReference(`${IMAGE_NAMES.dockerHub}:1.2.3`);
const GHCR = parseReference(`${IMAGE_NAMES.ghcr}:1.2.3`);
const pull = (extra: Partial<PullSettings> = {}): PullSettings => ({ source: "pull", candidates: [HUB, GHCR], requireSignature: false, signature: KEYLESS, ...extra });

let hub: FakeRegistry;
let ghcr: FakeRegistry;
let sleeps: number[];
let logs: { level: string; message: string }[];
const log: ProgramLog = { info: (m) => void logs.push({ level: "info", message: m }), warn: (m) => void logs.push({ level: "warn", message: m }) };

function resolver(options: Partial<ResolverOptions> & { cosignResult?: CosignResult } = {}) {
  return registryResolver({
    overrides: { "docker.io": hub.url, "ghcr.io": ghcr.url },
    clock: { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, now: () => 0 },
    env: { DOCKER_CONFIG: mkdtempSync(join(tmpdir(), "no-docker-config-")) },
    cosign: async () => options.cosignResult ?? { state: "not-installed" },
    credentialHelper: async () => undefined,
    ...options,
  });
}

beforeEach(async () => {
  hub = await new FakeRegistry("registry.docker.io").start();
  ghcr = await new FakeRegistry("ghcr.io").start();
  sleeps = [];
  logs = [];
});
afterEach(async () => {
  await hub.stop();
  await ghcr.stop();
});

describe("registry resolver against the loopback fake registry", () => {
  it("follows the bearer-token flow on Docker Hub first and pins the digest it answered", async () => {
    const digest = hub.push(HUB.repository, "1.2.3", fakeIndex("hub"));
    ghcr.push(GHCR.repository, "1.2.3", fakeIndex("ghcr"));
    const resolved = await resolver()(pull(), log);
    expect(resolved).toMatchObject({ registry: "docker.io", digest, pinned: `${HUB.name}@${digest}` });
    const manifests = hub.manifestRequests().filter((r) => r.path.endsWith("/1.2.3"));
    expect(manifests.map((r) => r.authorization ?? "none")).toEqual(["none", "Bearer token-1"]);
    expect(manifests.every((r) => r.accept === MANIFEST_ACCEPT)).toBe(true);
    expect(hub.requests.some((r) => r.path === `/token?service=registry.docker.io&scope=repository%3A${encodeURIComponent(HUB.repository)}%3Apull`)).toBe(true);
    expect(ghcr.requests).toEqual([]);
    expect(logs).toContainEqual({ level: "info", message: `sandbox image ${HUB.name}:1.2.3 served by docker.io: ${HUB.name}@${digest}` });
  });

  it("hashes the manifest itself when HEAD has no Docker-Content-Digest", async () => {
    const digest = hub.push(HUB.repository, "1.2.3", fakeIndex("hub"));
    hub.omitDigestHeader = true;
    expect((await resolver()(pull(), log)).digest).toBe(digest);
  });

  it("retries 5xx with exponential backoff and jitter", async () => {
    const digest = hub.push(HUB.repository, "1.2.3", fakeIndex("hub"));
    hub.faults.push({ status: 503 }, { status: 502 });
    expect((await resolver()(pull(), log)).digest).toBe(digest);
    // random() = 0.5: half the backoff fixed plus a quarter -> 0.75 * base * 2^n.
    expect(sleeps).toEqual([0.75 * BASE_DELAY_MS, 0.75 * BASE_DELAY_MS * 2]);
  });

  it("honours Retry-After on 429", async () => {
    hub.push(HUB.repository, "1.2.3", fakeIndex("hub"));
    hub.faults.push({ status: 429, headers: { "Retry-After": "2" } });
    await resolver()(pull(), log);
    expect(sleeps).toEqual([2000]);
  });

  it("falls back to GHCR when Docker Hub keeps failing, and says why", async () => {
    const digest = ghcr.push(GHCR.repository, "1.2.3", fakeIndex("ghcr"));
    hub.faults.push(...Array.from({ length: RETRIES + 1 }, () => ({ status: 500 })));
    const resolved = await resolver()(pull(), log);
    expect(resolved).toMatchObject({ registry: "ghcr.io", pinned: `${GHCR.name}@${digest}` });
    expect(sleeps).toHaveLength(RETRIES);
    expect(logs.find((l) => l.level === "warn")?.message).toMatch(/^falling back to ghcr\.io: docker\.io\/prizz\/opencode-cloud-sandbox:1\.2\.3: HEAD .* answered HTTP 500 \(gave up after 4 attempts\)/);
  });

  it("lists each registry's failure when both fail", async () => {
    ghcr.faults.push(...Array.from({ length: RETRIES + 1 }, () => ({ status: 503 })));
    const error = await resolver()(pull(), log).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageResolutionError);
    expect((error as Error).message).toBe(
      [
        "could not resolve the sandbox image on any registry:",
        `  - ${HUB.name}:1.2.3: ${HUB.name}:1.2.3 not found (HTTP 404)`,
        `  - ${GHCR.name}:1.2.3: HEAD ${ghcr.url}/v2/${GHCR.repository}/manifests/1.2.3 answered HTTP 503 (gave up after 4 attempts)`,
      ].join("\n"),
    );
  });

  it("stops with digest mismatch when the configured digest differs", async () => {
    const digest = hub.push(HUB.repository, "1.2.3", fakeIndex("hub"));
    const expected = `sha256:${"0".repeat(64)}`;
    await expect(resolver()(pull({ expectedDigest: expected }), log)).rejects.toThrow(
      `opencode-cloud:imageDigest: digest mismatch: expected ${expected}, but docker.io serves ${digest} for ${HUB.name}:1.2.3. Allowed: the digest the tag resolves to (or empty to follow the tag).`,
    );
  });

  it("accepts a configured digest that matches", async () => {
    const digest = hub.push(HUB.repository, "1.2.3", fakeIndex("hub"));
    expect((await resolver()(pull({ expectedDigest: digest }), log)).digest).toBe(digest);
  });

  it("sends credentials from the environment to a token endpoint that demands them", async () => {
    hub.push(HUB.repository, "1.2.3", fakeIndex("hub"));
    hub.requiredCredentials = { username: "me", password: "s3cret" };
    const env = { DOCKER_CONFIG: mkdtempSync(join(tmpdir(), "dc-")), DOCKERHUB_USERNAME: "me", DOCKERHUB_TOKEN: "s3cret" };
    expect((await resolver({ env })(pull(), log)).registry).toBe("docker.io");
    const anonymous = await resolver()(pull({ candidates: [HUB] }), log).catch((e: Error) => e.message);
    expect(anonymous).toContain("token request");
    expect(anonymous).toContain("HTTP 401");
  });

  it("prefers the Docker config file's auths over the environment", async () => {
    hub.push(HUB.repository, "1.2.3", fakeIndex("hub"));
    hub.requiredCredentials = { username: "cfg", password: "from-file" };
    const dir = mkdtempSync(join(tmpdir(), "dc-"));
    writeFileSync(join(dir, "config.json"), JSON.stringify({ auths: { "https://index.docker.io/v1/": { auth: Buffer.from("cfg:from-file").toString("base64") } } }));
    const env = { DOCKER_CONFIG: dir, DOCKERHUB_USERNAME: "env", DOCKERHUB_TOKEN: "wrong" };
    expect((await resolver({ env })(pull(), log)).registry).toBe("docker.io");
  });

  it("asks the configured credential helper", async () => {
    hub.push(HUB.repository, "1.2.3", fakeIndex("hub"));
    hub.requiredCredentials = { username: "helper", password: "from-helper" };
    const dir = mkdtempSync(join(tmpdir(), "dc-"));
    writeFileSync(join(dir, "config.json"), JSON.stringify({ credsStore: "fake" }));
    const asked: string[] = [];
    const credentialHelper = async (helper: string, server: string) => {
      asked.push(`${helper} ${server}`);
      return { Username: "helper", Secret: "from-helper" };
    };
    await resolver({ env: { DOCKER_CONFIG: dir }, credentialHelper })(pull(), log);
    expect(asked).toEqual(["fake https://index.docker.io/v1/"]);
  });
});

describe("signatures", () => {
  it("warns when the digest carries no cosign signature", async () => {
    const digest = hub.push(HUB.repository, "1.2.3", fakeIndex("hub"));
    const resolved = await resolver()(pull(), log);
    expect(resolved.signature).toEqual({ state: "absent" });
    expect(logs).toContainEqual({ level: "warn", message: `${HUB.name}@${digest} carries no cosign signature; set opencode-cloud:requireSignature to true to refuse unsigned images` });
  });

  it("fails without a signature when one is required", async () => {
    const digest = hub.push(HUB.repository, "1.2.3", fakeIndex("hub"));
    await expect(resolver()(pull({ requireSignature: true }), log)).rejects.toThrow(
      `opencode-cloud:requireSignature: ${HUB.name}@${digest} carries no cosign signature. Allowed: false, or an image signed by the release workflow.`,
    );
  });

  it("finds the cosign signature tag and reports it unverified without cosign", async () => {
    const digest = hub.push(HUB.repository, "1.2.3", fakeIndex("hub"));
    hub.signatureTags.add(digest);
    const resolved = await resolver()(pull(), log);
    expect(resolved.signature).toEqual({ state: "present", via: "tag" });
    expect(hub.requests.some((r) => r.path.endsWith(`/manifests/${digest.replace(":", "-")}.sig`))).toBe(true);
    await expect(resolver()(pull({ requireSignature: true }), log)).rejects.toThrow("cosign is not installed");
  });

  it("finds a signature through the referrers API and verifies it with cosign", async () => {
    const digest = hub.push(HUB.repository, "1.2.3", fakeIndex("hub"));
    hub.referrers.set(digest, [SIGNATURE_ARTIFACT_TYPES[0]!]);
    const resolved = await resolver({ cosignResult: { state: "verified" } })(pull({ requireSignature: true }), log);
    expect(resolved.signature).toEqual({ state: "verified" });
  });

  it("finds a signature through the referrers tag where the registry has no referrers API (cosign 3 there)", async () => {
    const digest = hub.push(HUB.repository, "1.2.3", fakeIndex("hub"));
    const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    // As cosign 3 leaves it: the tag's index lists the bundle by its config's media type; the manifest declares it.
    const bundle = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: SIGNATURE_ARTIFACT_TYPES[0], config: { mediaType: "application/vnd.oci.empty.v1+json" }, layers: [{ mediaType: SIGNATURE_ARTIFACT_TYPES[0] }] });
    const unrelated = JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: "application/spdx+json", config: { mediaType: "application/vnd.oci.empty.v1+json" }, layers: [] });
    const tag = (bodies: string[]) =>
      hub.push(HUB.repository, digest.replace(":", "-"), {
        mediaType: OCI_INDEX,
        body: JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: bodies.map((b) => ({ mediaType: OCI_MANIFEST, digest: digestOf(b), size: b.length, artifactType: "application/vnd.oci.empty.v1+json" })) }),
      });
    for (const body of [bundle, unrelated]) hub.push(HUB.repository, digestOf(body), { mediaType: OCI_MANIFEST, body });

    tag([unrelated]);
    expect((await resolver()(pull(), log)).signature).toEqual({ state: "absent" });
    tag([unrelated, bundle]);
    expect((await resolver({ cosignResult: { state: "verified" } })(pull({ requireSignature: true }), log)).signature).toEqual({ state: "verified" });
  });

  it("treats a registry without the referrers API (405) as having no referrers", async () => {
    const digest = hub.push(HUB.repository, "1.2.3", fakeIndex("hub"));
    hub.referrersMissingStatus = 405;
    const resolved = await resolver()(pull(), log);
    expect(resolved.signature).toEqual({ state: "absent" });
    expect(logs.find((l) => l.level === "warn")?.message).toBe(
      `${HUB.name}@${digest} carries no cosign signature; set opencode-cloud:requireSignature to true to refuse unsigned images`,
    );
  });

  it("reports lookup errors beside a missing signature", async () => {
    const digest = hub.push(HUB.repository, "1.2.3", fakeIndex("hub"));
    hub.referrersMissingStatus = 403;
    await resolver()(pull(), log);
    expect(logs.find((l) => l.level === "warn")?.message).toBe(
      `${HUB.name}@${digest} carries no cosign signature (lookup errors: GET ${hub.url}/v2/${HUB.repository}/referrers/${digest} answered HTTP 403); set opencode-cloud:requireSignature to true to refuse unsigned images`,
    );
  });

  it("ignores referrers that are not signatures", async () => {
    const digest = hub.push(HUB.repository, "1.2.3", fakeIndex("hub"));
    hub.referrers.set(digest, ["application/vnd.cyclonedx+json"]);
    expect((await resolver()(pull(), log)).signature).toEqual({ state: "absent" });
  });

  describe("with a key of the user's (signatureKey, signatureTlog false)", () => {
    const policy = { kind: "key", key: "/keys/cosign.pub", tlog: false } as const;
    const calls: [string, unknown][] = [];
    const keyed = (result: CosignResult) =>
      resolver({ cosign: async (pinned, p) => (calls.push([pinned, p]), result) });
    beforeEach(() => void calls.splice(0));

    it("hands cosign the policy and says which one verified", async () => {
      const digest = hub.push(HUB.repository, "1.2.3", fakeIndex("hub"));
      hub.signatureTags.add(digest);
      const resolved = await keyed({ state: "verified" })(pull({ requireSignature: true, signature: policy }), log);
      expect(resolved.signature).toEqual({ state: "verified" });
      expect(calls).toEqual([[`${HUB.name}@${digest}`, policy]]);
      expect(logs).toContainEqual({ level: "info", message: `cosign verified the signature of ${HUB.name}@${digest} (with the key /keys/cosign.pub, no transparency log)` });
    });

    it("names the key when cosign rejects a required signature", async () => {
      const digest = hub.push(HUB.repository, "1.2.3", fakeIndex("hub"));
      hub.signatureTags.add(digest);
      await expect(keyed({ state: "failed", reason: "error verifying signature" })(pull({ requireSignature: true, signature: policy }), log)).rejects.toThrow(
        `opencode-cloud:requireSignature: cosign verify (with the key /keys/cosign.pub, no transparency log) rejected ${HUB.name}@${digest}: error verifying signature. Allowed: false, or an image whose signature verifies (signed by the key in opencode-cloud:signatureKey).`,
      );
    });

    it("only warns, naming the key, when the signature is not required", async () => {
      const digest = hub.push(HUB.repository, "1.2.3", fakeIndex("hub"));
      hub.signatureTags.add(digest);
      expect((await keyed({ state: "failed", reason: "error verifying signature" })(pull({ signature: policy }), log)).signature).toEqual({ state: "present", via: "tag" });
      expect(logs).toContainEqual({ level: "warn", message: `cosign verify (with the key /keys/cosign.pub, no transparency log) rejected ${HUB.name}@${digest}: error verifying signature` });
    });

    it("refuses an unsigned digest without asking cosign, naming the key as what is allowed", async () => {
      const digest = hub.push(HUB.repository, "1.2.3", fakeIndex("hub"));
      await expect(keyed({ state: "verified" })(pull({ requireSignature: true, signature: policy }), log)).rejects.toThrow(
        `opencode-cloud:requireSignature: ${HUB.name}@${digest} carries no cosign signature. Allowed: false, or an image signed by the key in opencode-cloud:signatureKey.`,
      );
      expect(calls).toEqual([]);
    });
  });

  it("fails when cosign rejects a required signature", async () => {
    const digest = hub.push(HUB.repository, "1.2.3", fakeIndex("hub"));
    hub.signatureTags.add(digest);
    await expect(resolver({ cosignResult: { state: "failed", reason: "no matching signatures" } })(pull({ requireSignature: true }), log)).rejects.toThrow(
      `opencode-cloud:requireSignature: cosign verify (keyless, as the release workflow at a release tag) rejected ${HUB.name}@${digest}: no matching signatures. Allowed: false, or an image whose signature verifies (signed by the release workflow).`,
    );
  });
});
