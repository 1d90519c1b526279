// The shared installer against a loopback server: verify the sha256 before extracting, extract, cache, reuse the
// cache; refuse a mismatch and a platform without a pin.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { downloadUrl, installTool, MIRROR_ENV, type ToolSpec } from "../../actions/lib/tool.js";
import { platformKey } from "../../actions/lib/platform.js";
import { workDir } from "./support.js";

let server: Server;
let served: Buffer;
let requests: string[];
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? "");
    res.writeHead(200, { "content-type": "application/octet-stream" });
    res.end(served);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

let dir: string;
beforeEach(async () => {
  dir = await workDir();
  requests = [];
  // The runner's directories and the mirror, in process.env as the action finds them; taken back after each test
  // (the worker's environment is shared with the files that run after this one).
  vi.stubEnv("RUNNER_TEMP", join(dir, "temp"));
  vi.stubEnv("RUNNER_TOOL_CACHE", join(dir, "cache"));
  vi.stubEnv(MIRROR_ENV, base);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

async function tarball(): Promise<Buffer> {
  const src = join(dir, "src");
  await mkdir(src, { recursive: true });
  await writeFile(join(src, "demo"), "#!/bin/sh\necho demo 1.2.3\n");
  execFileSync("tar", ["-czf", join(dir, "demo.tar.gz"), "-C", src, "demo"]);
  return readFile(join(dir, "demo.tar.gz"));
}

function spec(sha256: string): ToolSpec {
  return {
    name: "demo",
    version: "1.2.3",
    binary: "demo",
    releaseUrl: "https://example.invalid/releases/v1.2.3",
    assets: { [platformKey()]: { file: "demo_1.2.3.tar.gz", kind: "tar.gz", sha256 } },
  };
}

describe("installTool", () => {
  it("downloads, verifies, extracts and caches; the second call uses the cache", async () => {
    served = await tarball();
    const sha = createHash("sha256").update(served).digest("hex");
    const path = await installTool(spec(sha));
    expect(execFileSync(path, { encoding: "utf8" })).toBe("demo 1.2.3\n");
    expect(requests).toEqual(["/demo/v1.2.3/demo_1.2.3.tar.gz"]);
    expect(await installTool(spec(sha))).toBe(path);
    expect(requests).toHaveLength(1);
  });

  it("installs a bare binary asset (cosign's kind) as an executable in the cache", async () => {
    served = Buffer.from("#!/bin/sh\necho bare 1.2.3\n");
    const sha = createHash("sha256").update(served).digest("hex");
    const bare: ToolSpec = { ...spec(sha), assets: { [platformKey()]: { file: "demo-linux", kind: "binary", sha256: sha } } };
    const path = await installTool(bare);
    expect(path.startsWith(join(dir, "cache", "demo", "1.2.3"))).toBe(true);
    expect(execFileSync(path, { encoding: "utf8" })).toBe("bare 1.2.3\n");
  });

  it("refuses bytes whose sha256 differs from the pin and caches nothing", async () => {
    served = await tarball();
    await expect(installTool(spec("0".repeat(64)))).rejects.toThrow(/sha256 mismatch, expected 0{64}, got [0-9a-f]{64}/);
    expect(await readdir(join(dir, "cache")).catch(() => [])).toEqual([]);
  });

  it("fails closed on a platform without a pinned sha256", async () => {
    await expect(installTool(spec("0".repeat(64)), "linux-s390x")).rejects.toThrow(
      /demo 1\.2\.3 has no pinned sha256 for linux-s390x .*pass its path as tool-path/,
    );
    expect(requests).toEqual([]);
  });
});

describe("downloadUrl", () => {
  const asset = { file: "x.tar.gz", kind: "tar.gz" as const, sha256: "" };
  it.each([
    [{}, "https://example.invalid/releases/v1.2.3/x.tar.gz"],
    [{ [MIRROR_ENV]: "http://mirror.local/tools/" }, "http://mirror.local/tools/demo/v1.2.3/x.tar.gz"],
  ])("with %o is %s", (env, url) => {
    expect(downloadUrl(spec(""), asset, env)).toBe(url);
  });
});

describe("platformKey", () => {
  it.each([
    ["linux", "x64", "linux-amd64"],
    ["linux", "arm64", "linux-arm64"],
    ["darwin", "arm64", "darwin-arm64"],
    ["win32", "x64", "windows-amd64"],
  ])("%s %s -> %s", (os, arch, key) => expect(platformKey(os, arch)).toBe(key));
});
