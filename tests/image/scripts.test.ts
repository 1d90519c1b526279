// Runs the image's own shell scripts here: the self-test against a fake PATH of stand-in tools, the healthcheck
// against a local HTTP server that behaves like opencode's health route, and shellcheck over all of them.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createNetServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTH_ENV, DEFAULT_AUTH_USERNAME, HEALTH_ROUTE, IMAGE_PATHS, PERSISTED_STATE, SANDBOX_PORT, SANDBOX_USER, SELF_TEST_OK, VOLUMES } from "../../src/facts.js";
import { IMAGE_DIR, loadManifest, runFile } from "./support.js";

const script = (p: string) => join(IMAGE_DIR, "rootfs", p);
const SELF_TEST = script(IMAGE_PATHS.selfTest);
const HEALTHCHECK = script(IMAGE_PATHS.healthcheck);
const SYNC_DEFAULTS = script(IMAGE_PATHS.syncDefaults);
const SCRIPTS = [SELF_TEST, HEALTHCHECK, SYNC_DEFAULTS, script(IMAGE_PATHS.entrypoint), ...["install-tool", "fetch-opencode", "warm-opencode"].map((b) => join(IMAGE_DIR, "build", b))];

const run = (file: string, env: Record<string, string>) => runFile(file, [], env, 20_000);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "oc-image-scripts-"));
  chmodSync(dir, 0o755); // the entrypoint test drops to the sandbox uid, which must reach its files
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// shellcheck is a Debian package (.ci/run installs it); a developer machine without it skips this lint, CI fails.
const hasShellcheck = (() => {
  try {
    execFileSync("shellcheck", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe("shell scripts", () => {
  it.skipIf(!hasShellcheck && process.env.CI !== "true")("pass shellcheck", () => {
    expect(() => execFileSync("shellcheck", ["--severity=style", ...SCRIPTS], { encoding: "utf8" })).not.toThrow();
  });
});

describe("opencode-selftest", () => {
  /** What the script itself uses, as this machine's PATH finds it (a shell builtin such as printf has no path). */
  const realTools = execFileSync("sh", ["-c", "for t in sh jq cat head tr printf; do command -v \"$t\"; done; true"], { encoding: "utf8" })
    .split("\n")
    .filter((path) => path.startsWith("/"));
  /** A fake PATH: one stand-in per tool that exits 0 (working) or 1 (broken), plus what the script itself uses. */
  const setup = (tools: { name: string; layer: "runtime" | "full"; works: boolean }[], toolset: string) => {
    const root = mkdtempSync(join(dir, "selftest-"));
    const bin = join(root, "bin");
    mkdirSync(bin);
    for (const t of tools) {
      writeFileSync(join(bin, `fake-${t.name}`), `#!/bin/sh\necho "${t.name} 1.0"\nexit ${t.works ? 0 : 1}\n`);
      chmodSync(join(bin, `fake-${t.name}`), 0o755);
    }
    for (const path of realTools) symlinkSync(path, join(bin, basename(path)));
    const manifest = join(root, "tools.json");
    writeFileSync(manifest, JSON.stringify({ tools: tools.map((t) => ({ name: t.name, layer: t.layer, check: `fake-${t.name} --version` })) }));
    const toolsetFile = join(root, "toolset");
    writeFileSync(toolsetFile, `${toolset}\n`);
    return { PATH: bin, OPENCODE_SELFTEST_MANIFEST: manifest, OPENCODE_SELFTEST_TOOLSET: toolsetFile };
  };

  it("prints N/N tools ok and exits 0 when every tool works", async () => {
    const r = await run(SELF_TEST, setup([{ name: "a", layer: "runtime", works: true }, { name: "b", layer: "full", works: true }], "full"));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(SELF_TEST_OK);
    expect(r.stdout).toContain("2/2 tools ok");
  });

  it("checks only the runtime layer in a runtime image", async () => {
    const r = await run(SELF_TEST, setup([{ name: "a", layer: "runtime", works: true }, { name: "b", layer: "full", works: false }], "runtime"));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("1/1 tools ok");
    expect(r.stdout).not.toContain(" b");
  });

  it("names the broken tool, exits 1 and does not print the success line", async () => {
    const r = await run(SELF_TEST, setup([{ name: "a", layer: "runtime", works: true }, { name: "b", layer: "full", works: false }], "full"));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("FAIL  b: b 1.0");
    expect(r.stdout).toContain("1/2 tools ok; failed: b");
    expect(r.stdout).not.toMatch(SELF_TEST_OK);
  });

  it("refuses an unknown toolset", async () => {
    const r = await run(SELF_TEST, setup([{ name: "a", layer: "runtime", works: true }], "mini"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("says 'mini'; allowed: full, runtime");
  });

  it("reads the real manifest: a runtime image checks exactly its runtime-layer tools", async () => {
    const runtime = loadManifest().tools.filter((t) => t.layer === "runtime");
    const env = setup(runtime.map((t) => ({ name: t.name, layer: "runtime", works: true })), "runtime");
    env.OPENCODE_SELFTEST_MANIFEST = join(IMAGE_DIR, "tools.json");
    const r = await run(SELF_TEST, env);
    // The real checks call the real tools, which the fake PATH mostly lacks: every runtime tool is attempted once.
    expect(r.stdout).toMatch(new RegExp(`^\\d+/${runtime.length} tools ok; failed:`, "m"));
    const attempted = r.stdout.split("\n").flatMap((l) => /^(?:ok {4}|FAIL {2})([^:]+)/.exec(l)?.[1] ?? []);
    expect(attempted.sort()).toEqual(runtime.map((t) => t.name).sort());
  });
});

describe("opencode-healthcheck", () => {
  let server: Server;
  let port: number;
  let password: string | undefined;
  /** The next requests to leave unanswered (as a starting opencode may), then to answer 503. */
  let hangNext = 0;
  let username: string = DEFAULT_AUTH_USERNAME;
  let failNext = 0;
  /** How long each answer takes (a loaded host). */
  let delayMs = 0;
  const seen: (string | undefined)[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (hangNext > 0) return void (hangNext -= 1);
      if (failNext > 0) return void ((failNext -= 1), res.writeHead(503).end("starting"));
      const expected = password === undefined ? undefined : `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
      if (req.url !== HEALTH_ROUTE) return void res.writeHead(404).end();
      if (expected !== undefined && req.headers.authorization !== expected) return void res.writeHead(401).end("Unauthorized");
      const answer = () => res.writeHead(200, { "content-type": "application/json" }).end('{"healthy":true,"version":"1.0.0"}');
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const env = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? "/usr/bin:/bin", OPENCODE_HEALTH_PORT: String(port), ...extra });

  it("is healthy without a password, sending no credentials", async () => {
    password = undefined;
    seen.length = 0;
    const r = await run(HEALTHCHECK, env());
    expect(r.code).toBe(0);
    expect(seen).toEqual([undefined]);
  });

  it.each(["s3cret", 'quo"te and back\\slash', "spaces and : colons"])("sends basic auth for the password %j", async (pw) => {
    password = pw;
    const r = await run(HEALTHCHECK, env({ [AUTH_ENV.password]: pw }));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  // A check that must fail keeps asking until its budget is spent: a short budget (not the default 3 s) keeps the
  // wait short; the script's answer is the same.
  it("is unhealthy with a wrong password", async () => {
    password = "right";
    const r = await run(HEALTHCHECK, env({ [AUTH_ENV.password]: "wrong", OPENCODE_HEALTH_BUDGET_MS: "300" }));
    expect(r.code).not.toBe(0);
  });

  it("uses OPENCODE_SERVER_USERNAME when set", async () => {
    password = "pw";
    username = "alice";
    seen.length = 0;
    const r = await run(HEALTHCHECK, env({ [AUTH_ENV.password]: "pw", [AUTH_ENV.username]: "alice" }));
    username = DEFAULT_AUTH_USERNAME;
    expect(r.code).toBe(0);
    expect(seen).toEqual([`Basic ${Buffer.from("alice:pw").toString("base64")}`]);
  });

  // A starting opencode accepts connections it never answers. With 1 s per attempt, three of them would spend the
  // whole budget; the check cuts the first ones off sooner (100 ms, then half as long again each time).
  it("keeps asking within its budget: hung attempts are cut off early, a 503 retried", async () => {
    password = undefined;
    seen.length = 0;
    hangNext = 3;
    failNext = 2;
    const r = await run(HEALTHCHECK, env({ OPENCODE_HEALTH_BUDGET_MS: "2000" }));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(seen).toHaveLength(6);
  });

  it("passes on a host that answers slowly: each attempt that runs out of time gets longer", async () => {
    password = undefined;
    seen.length = 0;
    delayMs = 200;
    const r = await run(HEALTHCHECK, env());
    delayMs = 0;
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(seen.length).toBeGreaterThan(1);
  });

  // The engine kills a check that outlasts the HEALTHCHECK timeout: the attempts grow, but the last is cut to what is
  // left of the budget. A stand-in curl that runs out its --max-time records the schedule.
  it("ends within its budget when every attempt runs out of time", async () => {
    const bin = mkdtempSync(join(dir, "curl-"));
    const log = join(bin, "max-times");
    writeFileSync(
      join(bin, "curl"),
      `#!/bin/sh\nwhile [ "$1" != --max-time ]; do shift; done\necho "$2" >>${log}\nsleep "$2"\necho "curl: (28) timed out" >&2\nexit 28\n`,
    );
    chmodSync(join(bin, "curl"), 0o755);
    const r = await run(HEALTHCHECK, env({ PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`, OPENCODE_HEALTH_BUDGET_MS: "700" }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unhealthy: .*timed out/);
    const ms = readFileSync(log, "utf8").trim().split("\n").map((s) => Math.round(Number(s) * 1000));
    expect(ms[0]).toBe(100);
    for (let i = 1; i < ms.length - 1; i++) expect(ms[i], `attempt ${i + 1} of ${ms.join(", ")}`).toBe(Math.floor((ms[i - 1]! * 3) / 2));
    expect(ms.at(-1)!).toBeLessThanOrEqual(Math.floor((ms.at(-2)! * 3) / 2));
    expect(ms.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(700);
  });

  it("gives up when the budget is spent, saying what the route answered", async () => {
    password = undefined;
    failNext = 1000;
    const r = await run(HEALTHCHECK, env({ OPENCODE_HEALTH_BUDGET_MS: "500" }));
    failNext = 0;
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unhealthy: .*503/);
  });

  it("is unhealthy when nothing listens", async () => {
    const r = await run(HEALTHCHECK, { PATH: process.env.PATH ?? "/usr/bin:/bin", OPENCODE_HEALTH_PORT: "1", OPENCODE_HEALTH_BUDGET_MS: "300" });
    expect(r.code).not.toBe(0);
  });
});

describe("opencode-entrypoint, started as root (as with --user root)", () => {
  const ENTRYPOINT = script(IMAGE_PATHS.entrypoint);
  const uid = SANDBOX_USER.uid;

  /** A home with the three mount points, all root-owned (a fresh bind mount), and a stand-in opencode. */
  const setup = () => {
    const home = mkdtempSync(join(dir, "home-"));
    const bin = join(home, "bin");
    mkdirSync(bin);
    chmodSync(home, 0o755);
    for (const v of Object.values(VOLUMES)) mkdirSync(v.replace(SANDBOX_USER.home, home), { recursive: true });
    const nested = join(home, "workspace", "project");
    mkdirSync(nested);
    writeFileSync(join(bin, "opencode"), '#!/bin/sh\necho "uid=$(id -u) cwd=$(pwd) args=$*"\n');
    chmodSync(join(bin, "opencode"), 0o755);
    return { home, nested, env: { PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin`, OPENCODE_SANDBOX_HOME: home, OPENCODE_DOCKER_SOCKET: join(home, "docker.sock") } };
  };
  // As root directly (this machine); elsewhere (a CI runner) through passwordless sudo.
  const isRoot = process.getuid?.() === 0;
  const read = (path: string) => readFileSync(path, "utf8");
  /** Starts the entrypoint as root, or with `asSandboxUser` as uid:gid 1000:1000 (as the program's default does). */
  const start = (env: Record<string, string>, args: string[] = [], asSandboxUser = false) => {
    const command = [...(asSandboxUser ? ["/usr/bin/setpriv", `--reuid=${uid}`, `--regid=${SANDBOX_USER.gid}`, "--clear-groups", "--"] : []), ENTRYPOINT, ...args];
    const [file, argv] = isRoot ? [command[0]!, command.slice(1)] : ["sudo", ["-n", "env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...command]];
    return runFile(file, argv, env, 20_000);
  };
  /** Image defaults (one plugin) and their manifest under `home`, the real sync-defaults on the stand-in PATH. */
  const withDefaults = (home: string, env: { PATH: string }) => {
    const defaults = join(home, "defaults");
    mkdirSync(join(defaults, "opencode/plugin"), { recursive: true });
    const ship = (text: string) => {
      writeFileSync(join(defaults, "opencode/plugin/p.js"), text);
      writeFileSync(`${defaults}.sha256`, execFileSync(SYNC_DEFAULTS, ["manifest", defaults], { encoding: "utf8" }));
    };
    ship("export default 1\n");
    execFileSync("ln", ["-s", SYNC_DEFAULTS, join(env.PATH.split(":")[0]!, "opencode-sync-defaults")]);
    return { defaults, ship };
  };

  it(`hands only the volume tops to uid ${uid}, then runs opencode web on ${SANDBOX_PORT} as that user in ~/workspace`, async () => {
    const { home, nested, env } = setup();
    const r = await start(env);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe(`uid=${uid} cwd=${home}/workspace args=web --hostname 0.0.0.0 --port ${SANDBOX_PORT}`);
    for (const v of Object.values(VOLUMES)) expect(statSync(v.replace(SANDBOX_USER.home, home)).uid, v).toBe(uid);
    expect(statSync(nested).uid).toBe(0); // never recursive
  });

  it.each([
    ["--debug", [], ["--debug"]],
    ["DEBUG=1", [["DEBUG", "1"]], []],
  ] as const)("turns on debug logs with %s", async (_, vars, args) => {
    const { env } = setup();
    const r = await start({ ...env, ...Object.fromEntries(vars) }, [...args]);
    expect(r.stdout).toContain(`args=web --hostname 0.0.0.0 --port ${SANDBOX_PORT} --print-logs --log-level DEBUG`);
    expect(r.stderr).toContain("[entrypoint] starting opencode");
  });

  it("brings the image defaults into ~/.config and prepares git's XDG config and the zsh history directory", async () => {
    const { home, env } = setup();
    const { defaults } = withDefaults(home, env);
    const r = await start({ ...env, OPENCODE_DEFAULTS_DIR: defaults });
    expect(r.stdout).toContain(`uid=${uid}`);
    const config = join(home, ".config");
    expect(read(join(config, "opencode/plugin/p.js"))).toBe("export default 1\n");
    for (const p of ["opencode/plugin/p.js", "git/config", "zsh"]) expect(statSync(join(config, p)).uid, p).toBe(uid);
  });

  // Every start pays for what the entrypoint runs before opencode. Once everything is in place, as the sandbox user
  // it runs nothing: with only bash and opencode on PATH, any other program would fail the start.
  it("runs no other program on a start that finds everything in place, and catches up when something changed", async () => {
    const { home, env } = setup();
    const { defaults, ship } = withDefaults(home, env);
    const first = await start({ ...env, OPENCODE_DEFAULTS_DIR: defaults });
    expect(first.stdout).toContain(`uid=${uid}`);

    const bare = join(home, "bare-bin");
    mkdirSync(bare);
    chmodSync(bare, 0o755);
    symlinkSync(execFileSync("sh", ["-c", "command -v bash"], { encoding: "utf8" }).trim(), join(bare, "bash"));
    writeFileSync(join(bare, "opencode"), '#!/bin/sh\necho "args=$*"\n');
    chmodSync(join(bare, "opencode"), 0o755);
    const steady = await start({ ...env, PATH: bare, OPENCODE_DEFAULTS_DIR: defaults }, [], true);
    expect(steady).toMatchObject({ code: 0, stderr: "" });
    expect(steady.stdout.trim()).toBe(`args=web --hostname 0.0.0.0 --port ${SANDBOX_PORT}`);

    // A new image's defaults, a removed zsh directory: the next start brings both back.
    ship("export default 2\n");
    const config = join(home, ".config");
    rmSync(join(config, "zsh"), { recursive: true });
    const next = await start({ ...env, OPENCODE_DEFAULTS_DIR: defaults }, [], true);
    expect(next.stderr).toContain("1 updated");
    expect(read(join(config, "opencode/plugin/p.js"))).toBe("export default 2\n");
    expect(statSync(join(config, "zsh")).uid).toBe(uid);
  });

  it("does not join an unrelated group that has the Docker socket's gid", async () => {
    const { home, env } = setup();
    // A system group of this machine (the entrypoint looks groups up with getent, here on the host).
    const [name, , gid] = execFileSync("getent", ["group", "mail"], { encoding: "utf8" }).trim().split(":");
    const socket = env.OPENCODE_DOCKER_SOCKET;
    const server = createNetServer();
    await new Promise<void>((r) => server.listen(socket, r));
    try {
      chownSync(socket, 0, Number(gid));
      const before = execFileSync("getent", ["group", name!], { encoding: "utf8" });
      const r = await start(env, ["id", "-G"]);
      expect(r.stderr).toContain(`belongs to gid ${gid}, which is the group ${name} in the sandbox`);
      expect(r.stdout.trim().split(" ")).not.toContain(gid);
      expect(execFileSync("getent", ["group", name!], { encoding: "utf8" })).toBe(before);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("passes further flags to opencode web, and runs a command instead when given one", async () => {
    const { env } = setup();
    expect((await start(env, ["--cors", "https://example.test"])).stdout).toContain(`--port ${SANDBOX_PORT} --cors https://example.test`);
    const r = await start(env, ["id", "-u"]);
    expect(r.stdout.trim()).toBe(String(uid));
  });
});

describe("opencode-sync-defaults: image defaults reach the config volume, the user's edits stay", () => {
  const sync = (src: string, dest: string) => {
    writeFileSync(`${src}.sha256`, execFileSync(SYNC_DEFAULTS, ["manifest", src], { encoding: "utf8" }));
    return runFile(SYNC_DEFAULTS, ["sync", src, `${src}.sha256`, dest], { PATH: process.env.PATH ?? "/usr/bin:/bin" }, 20_000);
  };
  const put = (path: string, text: string) => {
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, text);
  };
  const read = (path: string) => readFileSync(path, "utf8");
  /** An image's defaults (SRC, empty) and a config volume (DEST, empty) in a directory of their own. */
  const fresh = () => {
    const root = mkdtempSync(join(dir, "sync-"));
    mkdirSync(join(root, "config"));
    return { src: join(root, "defaults"), dest: join(root, "config") };
  };

  it("installs, upgrades what the user left alone, keeps edits and removals, drops what the image no longer ships", async () => {
    const { src, dest } = fresh();
    put(join(src, "opencode/plugin/shipped.js"), "v1");
    put(join(src, "opencode/opencode.json"), '{"v":1}');
    put(join(src, "opencode/agent/old.md"), "old");
    put(join(src, "opencode/agent/dropped-by-user.md"), "x");
    symlinkSync("shipped.js", join(src, "opencode/plugin/link.js"));

    let r = await sync(src, dest);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("5 installed, 0 updated, 0 removed, 0 kept as edited");
    expect(read(join(dest, "opencode/plugin/shipped.js"))).toBe("v1");
    expect(readlinkSync(join(dest, "opencode/plugin/link.js"))).toBe("shipped.js");

    // The user edits the config, deletes a shipped agent; the next image changes the plugin and the config, and
    // stops shipping old.md.
    put(join(dest, "opencode/opencode.json"), '{"mine":true}');
    unlinkSync(join(dest, "opencode/agent/dropped-by-user.md"));
    put(join(src, "opencode/plugin/shipped.js"), "v2");
    put(join(src, "opencode/opencode.json"), '{"v":2}');
    rmSync(join(src, "opencode/agent/old.md"));
    r = await sync(src, dest);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("0 installed, 1 updated, 1 removed, 1 kept as edited");
    expect(r.stderr).toContain(`kept your ${dest}/opencode/opencode.json`);
    expect(read(join(dest, "opencode/plugin/shipped.js"))).toBe("v2");
    expect(read(join(dest, "opencode/opencode.json"))).toBe('{"mine":true}');
    expect(existsSync(join(dest, "opencode/agent/old.md"))).toBe(false);
    expect(existsSync(join(dest, "opencode/agent/dropped-by-user.md"))).toBe(false);
    expect(lstatSync(join(dest, "opencode/plugin/link.js")).isSymbolicLink()).toBe(true);

    // Same image again: nothing to do, nothing said.
    r = await sync(src, dest);
    expect(r).toMatchObject({ code: 0, stderr: "" });
  });

  it("heads the manifest with the digest of its lines, which the entrypoint compares with the record's", async () => {
    const { src } = fresh();
    put(join(src, "opencode/a.md"), "a");
    const [head, ...lines] = execFileSync(SYNC_DEFAULTS, ["manifest", src], { encoding: "utf8" }).split(/(?<=\n)/);
    expect(lines).toEqual([`${createHash("sha256").update("a").digest("hex")}  ./opencode/a.md\n`]);
    expect(head).toBe(`# ${createHash("sha256").update(lines.join("")).digest("hex")}\n`);
  });

  it("reads a record an older image wrote (without the digest line)", async () => {
    const { src, dest } = fresh();
    put(join(src, "opencode/a.md"), "v1");
    put(join(src, "opencode/b.md"), "v1");
    await sync(src, dest);
    const record = join(dest, basename(PERSISTED_STATE.defaultsRecord));
    writeFileSync(record, read(record).replace(/^#.*\n/, ""));
    put(join(dest, "opencode/b.md"), "mine");
    put(join(src, "opencode/a.md"), "v2");
    put(join(src, "opencode/b.md"), "v2");
    const r = await sync(src, dest);
    expect(r.stderr).toContain("0 installed, 1 updated, 0 removed, 1 kept as edited");
    expect(read(record)).toBe(read(`${src}.sha256`));
  });

  it("keeps a file the user changed that an old image shipped and the new one drops", async () => {
    const { src, dest } = fresh();
    put(join(src, "opencode/command/x.md"), "shipped");
    await sync(src, dest);
    put(join(dest, "opencode/command/x.md"), "mine");
    rmSync(join(src, "opencode/command/x.md"));
    put(join(src, "opencode/command/y.md"), "new");
    const r = await sync(src, dest);
    expect(r.code, r.stderr).toBe(0);
    expect(read(join(dest, "opencode/command/x.md"))).toBe("mine");
    expect(read(join(dest, "opencode/command/y.md"))).toBe("new");
  });
});
