// Host folders and environment as the program declares them (dev stack, under mocks), on the real engine: a host
// folder shows in the workspace (read-only when asked), a plain and a secret variable reach opencode's environment.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SANDBOX_USER, VOLUMES } from "../../src/facts.js";
import { Deployment } from "./support/deployment.js";
import { describeOn, realEngine } from "./support/env.js";
import { execIn } from "./support/opencode.js";

const engine = await realEngine();

describeOn(engine, "host folders and environment on the real engine", ({ docker, imageId }) => {
  const host = mkdtempSync(join(tmpdir(), "host-folder-"));
  let d: Deployment;
  beforeAll(async () => {
    chmodSync(host, 0o755); // mkdtemp makes it 0700 for root; the sandbox user reads it as others do
    writeFileSync(join(host, "from-the-host.txt"), "hello from the host\n");
    d = await Deployment.plan(docker, {
      stackFile: "dev",
      overrides: {
        "opencode-cloud:folders": [`${host}:from-host:ro`],
        "opencode-cloud:env": ["IT_PLAIN=plain value"],
        "opencode-cloud:secretEnv": { secure: '["IT_SECRET=sk-it-secret"]' },
      },
    });
    await d.createVolumes();
    await d.createContainer(imageId);
  });
  afterAll(async () => {
    await d?.cleanup();
    rmSync(host, { recursive: true, force: true });
  });

  it("shows the host folder below the workspace, read-only", async () => {
    const uid = String(SANDBOX_USER.uid);
    expect(await execIn(d.container!, ["cat", `${VOLUMES.projects}/from-host/from-the-host.txt`], uid)).toEqual({ code: 0, output: "hello from the host\n" });
    const write = await execIn(d.container!, ["touch", `${VOLUMES.projects}/from-host/new`], uid);
    expect(write.output).toContain("Read-only file system");
  });

  it("gives the sandbox the plain and the secret variable", async () => {
    expect(await execIn(d.container!, ["sh", "-c", 'printf "%s|%s" "$IT_PLAIN" "$IT_SECRET"'], String(SANDBOX_USER.uid))).toEqual({ code: 0, output: "plain value|sk-it-secret" });
  });
});
