// smoke-test: start the image, wait for its health check, request the health route and the web UI, run the
// in-image self-test; print the container's logs on failure and always remove the container.

import { randomBytes } from "node:crypto";
import * as core from "@actions/core";
import { runAction, writeSummary } from "../../lib/action.js";
import { numberInput, requiredInput, stringInput } from "../../lib/inputs.js";
import { checkToolPath, runTool, toolFailure } from "../../lib/run.js";
import { AUTH_ENV, DEFAULT_AUTH_USERNAME, HEALTH_ROUTE, IMAGE_PATHS, LABEL_PREFIX, SANDBOX_PORT } from "../../../src/facts.js";
import { checkHealth, checkSelfTest, checkWebUi, hostPort, readiness } from "./checks.js";

/** The defaults action.yml declares (tests/actions checks that the two agree). */
export const DEFAULTS = {
  "timeout-seconds": "180",
} as const;

const POLL_MS = 1000;

export async function run(): Promise<void> {
  await runAction("smoke-test", async () => {
    const image = requiredInput("image", "the image to test, e.g. name:tag or name@sha256:...");
    const platform = stringInput("platform");
    const timeoutSeconds = numberInput("timeout-seconds", Number(DEFAULTS["timeout-seconds"]), { min: 1, max: 3600, integer: true });
    const password = stringInput("password");
    if (password) core.setSecret(password);
    const toolPath = stringInput("tool-path");
    if (toolPath) await checkToolPath(toolPath, "tool-path");
    const docker = toolPath || "docker";

    const name = `opencode-cloud-smoke-${randomBytes(4).toString("hex")}`;
    const args = ["run", "--detach", "--name", name, "--label", `${LABEL_PREFIX}.smoke-test=true`];
    args.push("--publish", `127.0.0.1::${SANDBOX_PORT}`);
    if (platform) args.push("--platform", platform);
    if (password) args.push("--env", AUTH_ENV.password);
    args.push(image);
    const started = Date.now();
    const runResult = await runTool(docker, args, { env: password ? { [AUTH_ENV.password]: password } : {} });
    if (runResult.exitCode !== 0) throw toolFailure("docker", runResult, `starting ${image}`);
    const id = runResult.stdout.trim().split("\n").pop() ?? name;

    let passed = false;
    try {
      const healthySeconds = await core.group("Wait for the health check", () => waitHealthy(docker, id, timeoutSeconds, started));
      const port = hostPort((await mustRun(docker, ["port", id, `${SANDBOX_PORT}/tcp`], "reading the published port")).stdout);
      const base = `http://127.0.0.1:${port}`;
      const headers: Record<string, string> = password
        ? { authorization: `Basic ${Buffer.from(`${DEFAULT_AUTH_USERNAME}:${password}`).toString("base64")}` }
        : {};

      const health = await fetch(`${base}${HEALTH_ROUTE}`, { headers, signal: AbortSignal.timeout(15_000) });
      const version = checkHealth(health.status, await health.text());
      core.info(`${HEALTH_ROUTE}: healthy, version ${version || "(none given)"}`);

      const ui = await fetch(`${base}/`, { headers, signal: AbortSignal.timeout(15_000) });
      checkWebUi(ui.status, ui.headers.get("content-type") ?? "", await ui.text());
      core.info("web UI root: HTML page served");

      const selfTest = await core.group("Self-test", () => runTool(docker, ["exec", id, IMAGE_PATHS.selfTest]));
      const tools = checkSelfTest(selfTest.exitCode, `${selfTest.stdout}\n${selfTest.stderr}`);

      core.setOutput("version", version);
      core.setOutput("self-test", tools);
      core.setOutput("healthy-seconds", healthySeconds);
      await writeSummary((s) => {
        s.addHeading("Smoke test: passed", 2);
        s.addTable([
          ["Check", "Result"].map((h) => ({ data: h, header: true })),
          ["Health check", `healthy after ${healthySeconds} s`],
          [HEALTH_ROUTE, `healthy, version ${version}`],
          ["Web UI /", "HTML page"],
          ["Self-test", tools],
        ]);
      });
      passed = true;
    } finally {
      if (!passed) {
        await core.group(`Logs of ${image}`, () => runTool(docker, ["logs", "--tail", "500", id]));
      }
      const removed = await runTool(docker, ["rm", "--force", "--volumes", id], { silent: true });
      if (removed.exitCode !== 0) core.warning(`could not remove smoke-test container ${id}: ${removed.stderr.trim()}`);
      else core.info(`removed smoke-test container ${name}`);
    }
  });
}

async function waitHealthy(docker: string, id: string, timeoutSeconds: number, started: number): Promise<number> {
  const deadline = started + timeoutSeconds * 1000;
  for (;;) {
    const inspect = await mustRun(docker, ["inspect", "--format", "{{json .State}}", id], "inspecting the container", true);
    const state = readiness(inspect.stdout.trim());
    if (state.kind === "ready") return Math.round((Date.now() - started) / 100) / 10;
    if (state.kind === "failed") throw new Error(`smoke test failed: ${state.reason}`);
    if (Date.now() >= deadline) throw new Error(`smoke test failed: not healthy within ${timeoutSeconds} s`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function mustRun(docker: string, args: string[], what: string, silent = false) {
  const result = await runTool(docker, args, { silent });
  if (result.exitCode !== 0) throw toolFailure("docker", result, what);
  return result;
}
