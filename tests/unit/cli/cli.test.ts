import { createServer } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { DEFAULT_STACK, parseCliArgs, UsageError } from "../../../src/cli/args.js";
import { planBackend, STATE_DIR } from "../../../src/cli/backend.js";
import { rawConfigFrom } from "../../../src/cli/commands.js";
import { classifyDaemonError } from "../../../src/cli/docker-check.js";
import { connectDocker, dockerOptions } from "../../../src/cli/docker.js";
import { failureText } from "../../../src/cli/main.js";
import { installInstruction, PINNED_CLI_VERSION } from "../../../src/cli/pulumi-cli.js";
import { ConfigError } from "../../../src/config/errors.js";

describe("parseCliArgs", () => {
  it.each([
    [[], { stack: DEFAULT_STACK, help: false, skipPull: false }],
    [["--stack", "dev-alice"], { stack: "dev-alice", help: false, skipPull: false }],
    [["-s", "remote", "--skip-pull"], { stack: "remote", help: false, skipPull: true }],
    [["--help"], { stack: DEFAULT_STACK, help: true, skipPull: false }],
  ])("%j", (argv, expected) => expect(parseCliArgs(argv)).toEqual(expected));

  it.each([
    [["--stack", "a/b"], '--stack "a/b" is not a stack name'],
    [["--stack=-dev"], '--stack "-dev" is not a stack name: use 1-100 of [A-Za-z0-9_.-], starting with a letter or digit'],
    [["--stack", ".x"], '--stack ".x" is not a stack name'],
    [["--stak", "x"], "Unknown option '--stak'"],
    [["extra"], "Unexpected argument 'extra'"],
    [["--stack"], "Option '-s, --stack <value>' argument missing"],
  ])("%j fails", (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(UsageError);
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
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
    [undefined, {}, {}],
    ["unix:///run/user/1000/docker.sock", {}, { socketPath: "/run/user/1000/docker.sock" }],
    ["tcp://10.0.0.2:2375", {}, { protocol: "http", host: "10.0.0.2", port: "2375" }],
    ["tcp://10.0.0.2", { DOCKER_TLS_VERIFY: "1" }, { protocol: "https", host: "10.0.0.2", port: "2376" }],
    ["ssh://me@box.example", { SSH_AUTH_SOCK: "/tmp/agent" }, { protocol: "ssh", host: "box.example", port: "22", username: "me", sshOptions: { agent: "/tmp/agent" } }],
  ])("%s", (host, env, expected) => expect(dockerOptions(host, env)).toEqual(expected));
});

describe("planBackend", () => {
  const dir = "/p";
  const state = pathToFileURL(`/p/${STATE_DIR}`).href;
  it("uses a file backend in the project and a generated passphrase file by default", () => {
    expect(planBackend(dir, {}, false)).toMatchObject({
      env: { PULUMI_BACKEND_URL: state, PULUMI_CONFIG_PASSPHRASE_FILE: `/p/${STATE_DIR}/passphrase` },
      createPassphraseFile: `/p/${STATE_DIR}/passphrase`,
    });
    expect(planBackend(dir, {}, true).createPassphraseFile).toBeUndefined();
  });
  it("leaves the user's passphrase alone", () => {
    expect(planBackend(dir, { PULUMI_CONFIG_PASSPHRASE: "" }, false)).toMatchObject({ env: { PULUMI_BACKEND_URL: state } });
    expect(planBackend(dir, { PULUMI_CONFIG_PASSPHRASE: "" }, false).env).not.toHaveProperty("PULUMI_CONFIG_PASSPHRASE_FILE");
  });
  it("lets PULUMI_BACKEND_URL override", () => {
    expect(planBackend(dir, { PULUMI_BACKEND_URL: "s3://bucket" }, false)).toEqual({ env: { PULUMI_BACKEND_URL: "s3://bucket" }, description: "backend s3://bucket (PULUMI_BACKEND_URL)" });
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
