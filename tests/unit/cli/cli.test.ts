import { createServer } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { DEFAULT_STACK, parseCliArgs, sinceEpochSeconds, usage, UsageError } from "../../../src/cli/args.js";
import { localStateDir, planBackend, userStateHome } from "../../../src/cli/backend.js";
import { rawConfigFrom } from "../../../src/cli/stack.js";
import { hostFiles } from "../../../src/config/host-files.js";
import { classifyDaemonError } from "../../../src/cli/docker-check.js";
import { connectDocker, dockerOptions } from "../../../src/cli/docker.js";
import { SshDialAgent } from "../../../src/cli/ssh-dial.js";
import { failureText } from "../../../src/cli/main.js";
import { installInstruction, PINNED_CLI_VERSION } from "../../../src/cli/pulumi-cli.js";
import { ConfigError } from "../../../src/config/errors.js";

describe("parseCliArgs", () => {
  const defaults = { stack: DEFAULT_STACK, help: false, skipPull: false, follow: true, print: false, force: false };
  it.each([
    ["up", [], defaults],
    ["up", ["--stack", "dev-alice"], { ...defaults, stack: "dev-alice" }],
    ["up", ["-s", "remote", "--skip-pull"], { ...defaults, stack: "remote", skipPull: true }],
    ["down", ["--help"], { ...defaults, help: true }],
    ["status", ["-s", "remote"], { ...defaults, stack: "remote" }],
    ["logs", [], defaults],
    ["logs", ["--tail", "100", "--since", "10m", "--no-follow"], { ...defaults, tail: 100, since: "10m", follow: false }],
    ["open", ["--print"], { ...defaults, print: true }],
    ["backup", ["-o", "/mnt/usb"], { ...defaults, output: "/mnt/usb" }],
    ["restore", ["b.tar.gz", "--force"], { ...defaults, archive: "b.tar.gz", force: true }],
    ["restore", ["--help"], { ...defaults, help: true }],
  ] as const)("%s %j", (command, argv, expected) => expect(parseCliArgs(command, argv)).toEqual(expected));

  it.each([
    ["up", ["--stack", "a/b"], '--stack "a/b" is not a stack name'],
    ["up", ["--stack=-dev"], '--stack "-dev" is not a stack name: use 1-100 of [A-Za-z0-9_.-], starting with a letter or digit'],
    ["up", ["--stack", ".x"], '--stack ".x" is not a stack name'],
    ["up", ["--stak", "x"], "Unknown option '--stak'"],
    ["up", ["extra"], "Unexpected argument 'extra'"],
    ["up", ["--stack"], "Option '-s, --stack <value>' argument missing"],
    ["status", ["--tail", "5"], "Unknown option '--tail'"],
    ["logs", ["--tail", "ten"], '--tail "ten" is not a number of lines'],
    ["logs", ["--tail=-1"], '--tail "-1" is not a number of lines'],
    ["restore", [], "restore takes one archive (given 0)"],
    ["restore", ["a", "b"], "restore takes one archive (given 2)"],
    ["stop", ["--force"], "Unknown option '--force'"],
  ] as const)("%s %j fails", (command, argv, message) => {
    expect(() => parseCliArgs(command, argv)).toThrow(UsageError);
    expect(() => parseCliArgs(command, argv)).toThrow(message);
  });

  it("lists each command's own options in its usage", () => {
    expect(usage("logs")).toContain("--tail N");
    expect(usage("logs")).toContain("--no-follow");
    expect(usage("restore")).toContain("usage: npm run restore -- [options] ARCHIVE");
    expect(usage("status")).not.toContain("--tail");
  });
});

describe("sinceEpochSeconds", () => {
  const now = Date.parse("2026-12-01T12:00:00Z");
  it.each([
    ["90s", now / 1000 - 90],
    ["10m", now / 1000 - 600],
    ["2h", now / 1000 - 7200],
    ["1d", now / 1000 - 86400],
    ["2026-12-01T11:00:00Z", now / 1000 - 3600],
    ["2026-12-01", Date.parse("2026-12-01") / 1000],
  ])("%s", (text, seconds) => expect(sinceEpochSeconds(text, now)).toBe(seconds));
  it.each(["10", "yesterday", "5w", "2026-13-45T99:00:00Z"])("refuses %s", (text) => expect(() => sinceEpochSeconds(text, now)).toThrow(`--since "${text}" is neither a duration nor a time`));
});

describe("classifyDaemonError", () => {
  const at = "unix:///var/run/docker.sock";
  it.each([
    [{ code: "EACCES", message: "connect EACCES /var/run/docker.sock" }, "permission-denied", "Permission denied on the Docker socket (unix:///var/run/docker.sock)"],
    [{ code: "ENOENT", message: "connect ENOENT /var/run/docker.sock" }, "not-running", "The Docker daemon is not running (nothing answers at unix:///var/run/docker.sock)"],
    [{ code: "ECONNREFUSED", message: "connect ECONNREFUSED" }, "not-running", "The Docker daemon is not running"],
    [new Error("(HTTP code 500) server error"), "unreachable", "Cannot reach the Docker daemon at unix:///var/run/docker.sock: (HTTP code 500) server error"],
  ])("%j -> %s", (error, problem, message) => {
    const check = classifyDaemonError(error, at);
    expect(check.problem).toBe(problem);
    expect(check.message).toContain(message);
  });

  describe("on an ssh:// host, from what ssh said", () => {
    const remote = "ssh://opencode-remote@127.0.0.1:2222";
    // OpenSSH 9's words (through SshDialAgent's "ssh exited with 255: <stderr>"), as a wrong known_hosts entry makes them.
    const changed = [
      "ssh exited with 255: @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
      "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @",
      "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
      "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!",
      "The fingerprint for the ED25519 key sent by the remote host is",
      "SHA256:lJ/eOJnY4fmw/pUGpH5aRnFPLNiHCHwnoOT++rWtT7Q.",
      "Add correct host key in /home/me/.ssh/known hosts to get rid of this message.",
      "Offending ED25519 key in /home/me/.ssh/known hosts:7",
      "  remove with:",
      '  ssh-keygen -f "/home/me/.ssh/known hosts" -R "[127.0.0.1]:2222"',
      "Host key for [127.0.0.1]:2222 has changed and you have requested strict checking.",
      "Host key verification failed.",
    ].join("\r\n");

    it("a changed host key: refused, naming the host, the key it sent, the known_hosts line and what to do", () => {
      const check = classifyDaemonError(new Error(changed), remote);
      expect(check.problem).toBe("ssh-host-key");
      expect(check.message).toMatch(/^Refused ssh:\/\/opencode-remote@127\.0\.0\.1:2222: the SSH host key of \[127\.0\.0\.1\]:2222 \(it presented SHA256:lJ\/eOJnY4fmw\/pUGpH5aRnFPLNiHCHwnoOT\+\+rWtT7Q\) /);
      expect(check.message).toContain("(/home/me/.ssh/known hosts line 7)");
      expect(check.message).toContain("nothing reached the engine (no image pull, no registry credentials)");
      expect(check.message).toContain('only if it matches, remove the old entry with `ssh-keygen -f "/home/me/.ssh/known hosts" -R "[127.0.0.1]:2222"`');
      expect(check.message).toContain("connect once with `ssh -p 2222 opencode-remote@127.0.0.1` (with the stack's docker:sshOpts)");
    });

    it.each([
      ["ssh exited with 255: Host key verification failed.", "box.example", "ssh://me@box.example", "ssh me@box.example"],
      ["ssh exited with 255: No ED25519 host key is known for [box]:2200 and you have requested strict checking.\nHost key verification failed.", "[box]:2200", "ssh://box:2200", "ssh -p 2200 box"],
    ])("an unknown host key (%s): refused, naming %s", (text, host, endpoint, command) => {
      const check = classifyDaemonError(new Error(text), endpoint);
      expect(check.problem).toBe("ssh-host-key");
      expect(check.message).toContain(`Refused ${endpoint}: no SSH host key for ${host} is known`);
      expect(check.message).toContain(`Connect once with \`${command}\``);
    });

    it("a refused login says so, not 'permission denied on the Docker socket'", () => {
      const check = classifyDaemonError(new Error("ssh exited with 255: opencode-remote@127.0.0.1: Permission denied (publickey)."), remote);
      expect(check.problem).toBe("ssh-auth");
      expect(check.message).toContain("the SSH host refused the login (Permission denied (publickey))");
      expect(check.message).toContain("`ssh -p 2222 opencode-remote@127.0.0.1 docker version`");
    });

    it("leaves other endpoints and other ssh failures to the rules above", () => {
      expect(classifyDaemonError(new Error("Host key verification failed."), at).problem).toBe("unreachable");
      expect(classifyDaemonError(new Error("ssh exited with 255: ssh: connect to host box port 22: Connection timed out"), "ssh://box").problem).toBe("unreachable");
    });
  });

  it("says 'not running' for a socket nobody listens on", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nodocker-"));
    await expect(connectDocker(`unix://${dir}/docker.sock`, {})).rejects.toThrow(`The Docker daemon is not running (nothing answers at unix://${dir}/docker.sock)`);
    rmSync(dir, { recursive: true });
  });

  it("says 'unreachable' with the reason when something else answers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "notdocker-"));
    const server = createServer((s) => s.end("HTTP/1.1 500 Internal Server Error\r\ncontent-length: 4\r\n\r\noops")).listen(join(dir, "s.sock"));
    await new Promise((r) => server.once("listening", r));
    await expect(connectDocker(`unix://${dir}/s.sock`, {})).rejects.toThrow(`Cannot reach the Docker daemon at unix://${dir}/s.sock`);
    server.close();
  });
});

describe("dockerOptions", () => {
  it.each([
    [undefined, {}, { socketPath: "/var/run/docker.sock" }],
    // The engine Pulumi uses: DOCKER_HOST of the same environment when the stack sets no docker:host.
    [undefined, { DOCKER_HOST: "unix:///run/user/1000/docker.sock" }, { socketPath: "/run/user/1000/docker.sock" }],
    ["unix:///srv/d.sock", { DOCKER_HOST: "unix:///other.sock" }, { socketPath: "/srv/d.sock" }],
    ["unix:///run/user/1000/docker.sock", {}, { socketPath: "/run/user/1000/docker.sock" }],
    ["tcp://127.0.0.1:2375", {}, { protocol: "http", host: "127.0.0.1", port: "2375" }],
    ["tcp://10.0.0.2", { DOCKER_TLS_VERIFY: "1" }, { protocol: "https", host: "10.0.0.2", port: "2376" }],
  ])("%s", (host, env, expected) => expect(dockerOptions(host, env)).toEqual(expected));

  it("reaches an ssh:// host through the system ssh with the stack's ssh options", () => {
    const options = dockerOptions("ssh://me@box.example:2222", {}, ["-o", "StrictHostKeyChecking=yes"]) as { agent?: unknown; protocol?: string };
    expect(options.protocol).toBe("http");
    expect(options.agent).toBeInstanceOf(SshDialAgent);
  });
  it("refuses a non-loopback tcp:// engine without TLS, naming the key it came from", () => {
    expect(() => dockerOptions("tcp://10.0.0.2:2375", {})).toThrow(/^docker:host tcp:\/\/10\.0\.0\.2:2375: plain tcp:\/\/ to another machine is refused.*Allowed: ssh:\/\/user@host/);
    expect(() => dockerOptions(undefined, { DOCKER_HOST: "tcp://build.example:2375" })).toThrow(/^DOCKER_HOST tcp:\/\/build\.example:2375: plain tcp/);
  });
});

describe("planBackend", () => {
  const home = "/home/u";
  const state = "/home/u/.local/state/opencode-cloud/pulumi";
  const none = { legacyExists: false, stateExists: false, passphraseFileExists: false };
  it("uses a file backend in the user's state directory and a generated passphrase file beside it", () => {
    expect(planBackend("/p", {}, home, none)).toMatchObject({
      env: { PULUMI_BACKEND_URL: pathToFileURL(state).href, PULUMI_CONFIG_PASSPHRASE_FILE: `${state}/passphrase` },
      stateDir: state,
      createPassphraseFile: `${state}/passphrase`,
    });
    expect(planBackend("/p", {}, home, { ...none, passphraseFileExists: true }).createPassphraseFile).toBeUndefined();
  });
  it.each([
    [{ XDG_STATE_HOME: "/xdg" }, "/xdg"],
    [{ XDG_STATE_HOME: "relative/dir" }, "/home/u/.local/state"],
    [{ XDG_STATE_HOME: "" }, "/home/u/.local/state"],
  ])("state home for %j is %s", (env, dir) => {
    expect(userStateHome(env, home)).toBe(dir);
    expect(localStateDir(env, home)).toBe(`${dir}/opencode-cloud/pulumi`);
  });
  it("moves state found in the clone when the user state directory has none, and says so", () => {
    const plan = planBackend("/p", {}, home, { ...none, legacyExists: true, passphraseFileExists: true });
    expect(plan.migrateFrom).toBe("/p/.pulumi-state");
    expect(plan.createPassphraseFile).toBeUndefined();
    expect(plan.notice).toBe(`Moved the Pulumi state from /p/.pulumi-state to ${state}, so it survives deleting this clone.`);
  });
  it("keeps the user state directory when both exist, and says the clone's copy is unused", () => {
    const plan = planBackend("/p", {}, home, { legacyExists: true, stateExists: true, passphraseFileExists: true });
    expect(plan.migrateFrom).toBeUndefined();
    expect(plan.notice).toContain("/p/.pulumi-state is not used");
  });
  it("leaves the user's passphrase alone", () => {
    expect(planBackend("/p", { PULUMI_CONFIG_PASSPHRASE: "" }, home, none).env).toEqual({ PULUMI_BACKEND_URL: pathToFileURL(state).href });
  });
  it("lets PULUMI_BACKEND_URL override, state in the clone included", () => {
    expect(planBackend("/p", { PULUMI_BACKEND_URL: "s3://bucket" }, home, none)).toEqual({ env: { PULUMI_BACKEND_URL: "s3://bucket" }, description: "backend s3://bucket (PULUMI_BACKEND_URL)" });
    const plan = planBackend("/p", { PULUMI_BACKEND_URL: "s3://bucket" }, home, { ...none, legacyExists: true });
    expect(plan.migrateFrom).toBeUndefined();
    expect(plan.notice).toBe("/p/.pulumi-state is not used: PULUMI_BACKEND_URL points elsewhere.");
  });
});

it("reads the Automation API's config map with its secret flags", () => {
  const raw = rawConfigFrom({ "opencode-cloud:port": { value: "3001", secret: false }, "opencode-cloud:password": { value: "pw", secret: true } }, "dev", "/h");
  expect(raw).toEqual({
    project: "opencode-cloud",
    stack: "dev",
    values: { "opencode-cloud:port": "3001", "opencode-cloud:password": "pw" },
    secretKeys: new Set(["opencode-cloud:password"]),
    homeDir: "/h",
    ...hostFiles,
  });
});

it("prints expected failures without a stack trace", () => {
  expect(failureText(new ConfigError("opencode-cloud:port", "bad", "1-65535"))).toBe("opencode-cloud:port: bad. Allowed: 1-65535.");
  expect(failureText(new TypeError("x is undefined"))).toContain("TypeError: x is undefined\n    at ");
});

it("says exactly how to install the pinned Pulumi CLI", () => {
  expect(PINNED_CLI_VERSION).toBe("3.248.0");
  expect(installInstruction()).toBe(
    "Install the Pulumi CLI 3.248.0: curl -fsSL https://get.pulumi.com | sh -s -- --version 3.248.0 (then open a new shell so it is on PATH), and run this again.",
  );
});
