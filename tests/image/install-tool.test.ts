// Runs image/build/install-tool (what every download stage of the Dockerfile runs) against a local HTTPS server
// that serves release assets and checksum files in the formats the manifest's projects publish.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IMAGE_DIR, runFile } from "./support.js";

const INSTALL_TOOL = join(IMAGE_DIR, "build", "install-tool");
const VERSION = "1.2.3";
const ASSET = `tool_${VERSION}_linux_x86_64.tar.gz`;

let dir: string;
let site: string;
let cert: string;
let server: Server;
let base: string;
let assetSha: string;
const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "oc-install-tool-"));
  site = join(dir, "site");
  // The release asset: a tarball holding a directory with the binary inside, as goreleaser lays them out.
  const pkg = join(dir, "pkg", `tool_${VERSION}_linux_x86_64`, "bin");
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, "tool"), "#!/bin/sh\necho tool 1.2.3\n");
  chmodSync(join(pkg, "tool"), 0o755);
  mkdirSync(join(site, `v${VERSION}`), { recursive: true });
  execFileSync("tar", ["-czf", join(site, `v${VERSION}`, ASSET), "-C", join(dir, "pkg"), `tool_${VERSION}_linux_x86_64`]);
  assetSha = sha256(readFileSync(join(site, `v${VERSION}`, ASSET)));
  const other = "0".repeat(64);
  writeFileSync(join(site, `v${VERSION}`, "checksums.txt"), `${other}  tool_${VERSION}_linux_arm64.tar.gz\n${assetSha} *${ASSET}\n`);
  writeFileSync(join(site, `v${VERSION}`, "missing.txt"), `${other}  tool_${VERSION}_linux_arm64.tar.gz\n`);
  writeFileSync(join(site, `v${VERSION}`, `${ASSET}.sha256`), `${assetSha}  ${ASSET}\n`);
  writeFileSync(join(site, `v${VERSION}`, "checksums"), `${ASSET}  0badc0de ${"1".repeat(32)} ${"2".repeat(40)} ${assetSha}\n`);
  writeFileSync(join(site, `v${VERSION}`, "checksums_hashes_order"), "CRC32\nMD5\nSHA-1\nSHA-256\n");

  cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert], { stdio: "ignore" });
  server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    const file = join(site, decodeURIComponent(req.url ?? "/"));
    if (!file.startsWith(site) || !existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const run = (args: string[], spec: Record<string, unknown>, arch: string) => {
  const specFile = join(dir, `spec-${++n}.json`);
  const out = join(dir, `out-${n}`);
  writeFileSync(specFile, JSON.stringify(spec));
  const argv = args.map((a) => a.replace("SPEC", specFile).replace("OUT", out));
  return runFile(INSTALL_TOOL, argv, { PATH: process.env.PATH ?? "/usr/bin:/bin", TARGETARCH: arch, CURL_CA_BUNDLE: cert }).then((r) => ({ ...r, out }));
};
/** The build: SPEC carries the tool's lock entry as the Dockerfile merges it from image/tools.lock.json. */
const install = (spec: Record<string, unknown>, arch = "amd64") => run(["SPEC", "OUT"], spec, arch);
/** The bump: download, cross-check the published checksum, print the sha256. */
const lock = (spec: Record<string, unknown>, arch = "amd64") => run(["--lock", "SPEC"], spec, arch);
const spec = (verify: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  name: "tool",
  version: VERSION,
  install: "download",
  url: `${base}/v{version}/tool_{version}_linux_{arch}.tar.gz`,
  arch: { amd64: "x86_64", arm64: "aarch64" },
  format: "tar.gz",
  verify: Object.fromEntries(Object.entries(verify).map(([k, v]) => [k, typeof v === "string" ? v.replace("BASE", base) : v])),
  bin: { tool: "tool_{version}_linux_{arch}/bin/tool" },
  ...extra,
});
const published = { kind: "checksums", url: "BASE/v{version}/checksums.txt" };
const locked = (sha: string | undefined, version = VERSION) => ({ lock: { version, sha256: sha === undefined ? {} : { amd64: sha } } });
const installed = (out: string) => execFileSync(join(out, "usr/local/bin/tool"), { encoding: "utf8" }).trim();

describe("install-tool (build): verifies against the committed lock only", () => {
  it("installs the binary whose sha256 the lock pins, without fetching any checksum file", async () => {
    const r = await install(spec({ kind: "checksums", url: "BASE/v{version}/no-such-file.txt" }, locked(assetSha)));
    expect(r.stderr).not.toMatch(/install-tool: tool:/);
    expect(r.code).toBe(0);
    expect(installed(r.out)).toBe("tool 1.2.3");
  });

  it("refuses an asset whose sha256 is not the locked one (a release page changed after review), installing nothing", async () => {
    const r = await install(spec(published, locked("e".repeat(64))));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`sha256 mismatch for ${ASSET} (expected ${"e".repeat(64)}, from image/tools.lock.json)`);
    expect(existsSync(join(r.out, "usr/local/bin/tool"))).toBe(false);
  });

  it.each([
    ["no lock entry", {}, "image/tools.lock.json has no entry for it"],
    ["a lock for another version", locked(assetSha, "1.2.2"), "image/tools.lock.json pins version 1.2.2, the manifest says 1.2.3: run the lock-tools workflow"],
    ["no sha256 for this architecture", locked(undefined), `image/tools.lock.json has no sha256 for ${ASSET} (amd64): run the lock-tools workflow`],
  ])("fails with %s, naming the tool and what to do", async (_, extra, message) => {
    const r = await install(spec(published, extra));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`install-tool: tool: ${message}`);
    expect(existsSync(join(r.out, "usr/local/bin/tool"))).toBe(false);
  });

  it("fails on a download that is not there", async () => {
    const r = await install(spec(published, { lock: { version: VERSION, sha256: { arm64: assetSha } } }), "arm64");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("download failed");
  });

  it("names the architecture it has no asset for", async () => {
    const r = await install(spec(published, locked(assetSha)), "s390x");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("no asset name for architecture 's390x' (manifest .arch has: amd64, arm64)");
  });

  it("unpacks a whole tree when asked", async () => {
    const r = await install(spec(published, { ...locked(assetSha), tree: { dest: "/opt/tool", strip: 1 }, bin: undefined }));
    expect(r.code).toBe(0);
    expect(execFileSync(join(r.out, "opt/tool/bin/tool"), { encoding: "utf8" }).trim()).toBe("tool 1.2.3");
  });
});

describe("install-tool --lock (bump): the asset's sha256, cross-checked with what the release publishes", () => {
  it.each([
    ["a pinned sha256", { kind: "sha256", sha256: { amd64: "PIN", arm64: "f".repeat(64) } }],
    ["the release's checksums file", published],
    ["a per-asset .sha256 file", { kind: "sha256-file", url: `BASE/v{version}/tool_{version}_linux_{arch}.tar.gz.sha256` }],
    ["yq's multi-hash checksums", { kind: "checksums-multi", url: "BASE/v{version}/checksums", orderUrl: "BASE/v{version}/checksums_hashes_order" }],
  ])("prints the sha256 cross-checked with %s", async (_, verify) => {
    const v = JSON.parse(JSON.stringify(verify).replace("PIN", assetSha));
    const r = await lock(spec(v));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(assetSha);
  });

  it("refuses when the published checksum disagrees or does not list the asset", async () => {
    const wrong = await lock(spec({ kind: "sha256", sha256: { amd64: "e".repeat(64), arm64: "f".repeat(64) } }));
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain(`sha256 mismatch for ${ASSET} (expected ${"e".repeat(64)}, from the release's published checksum)`);
    const missing = await lock(spec({ kind: "checksums", url: "BASE/v{version}/missing.txt" }));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(`no valid sha256 for ${ASSET}`);
  });
});

describe("lock-tools: the lock a bump's pull request carries", () => {
  const LOCK_TOOLS = join(IMAGE_DIR, "build", "lock-tools");
  const lockRun = (manifest: object, lockText: string | undefined) => {
    const m = join(dir, `manifest-${++n}.json`);
    const l = join(dir, `lock-${n}.json`);
    writeFileSync(m, JSON.stringify(manifest));
    if (lockText !== undefined) writeFileSync(l, lockText);
    return runFile(LOCK_TOOLS, [m, l], { PATH: process.env.PATH ?? "/usr/bin:/bin", CURL_CA_BUNDLE: cert }).then((r) => ({ ...r, lock: l }));
  };
  const manifest = () => ({ tools: [{ ...spec(published), arch: { amd64: "x86_64" } }, { name: "apt-tool", version: "distro", install: "apt" }] });

  it("locks every download per architecture from the assets, cross-checked with the published checksums", async () => {
    const r = await lockRun(manifest(), '{"$comment":"kept","tools":{}}');
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const written = JSON.parse(readFileSync(r.lock, "utf8"));
    expect(written.$comment).toBe("kept");
    expect(written.tools).toEqual({ tool: { version: VERSION, sha256: { amd64: assetSha }, source: expect.stringContaining("cross-checked with") } });
  });

  it("refuses when an asset no longer has the hash locked for its version", async () => {
    const r = await lockRun(manifest(), JSON.stringify({ tools: { tool: { version: VERSION, sha256: { amd64: "a".repeat(64) }, source: "x" } } }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`lock-tools: tool ${VERSION} (amd64): the lock has ${"a".repeat(64)}, the release now serves ${assetSha}`);
  });
});

describe("install-tool for git checkouts", () => {
  let repo: string;
  let first: string;
  beforeAll(() => {
    repo = join(dir, "repo");
    const git = (...a: string[]) => execFileSync("git", ["-C", repo, "-c", "user.email=t@example.test", "-c", "user.name=t", ...a], { encoding: "utf8" }).trim();
    mkdirSync(repo);
    git("init", "-q");
    writeFileSync(join(repo, "f"), "first\n");
    git("add", "f");
    git("commit", "-qm", "first");
    first = git("rev-parse", "HEAD");
    writeFileSync(join(repo, "f"), "second\n");
    git("commit", "-qam", "second");
  });
  const gitSpec = (version: string) => ({ name: "omz", version, install: "git", repo, dest: "/usr/local/share/omz" });

  it("checks out exactly the pinned commit, without its .git", async () => {
    const r = await install(gitSpec(first));
    expect(r.code).toBe(0);
    expect(readFileSync(join(r.out, "usr/local/share/omz/f"), "utf8")).toBe("first\n");
    expect(existsSync(join(r.out, "usr/local/share/omz/.git"))).toBe(false);
  });

  it("refuses a branch name or short sha", async () => {
    const r = await install(gitSpec(first.slice(0, 12)));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("a git tool's version must be a full commit sha");
  });

  it("fails when the commit does not exist", async () => {
    const r = await install(gitSpec("0123456789abcdef0123456789abcdef01234567"));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("cannot fetch commit");
  });
});
