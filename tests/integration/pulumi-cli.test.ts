// `npm run up` through the real Pulumi CLI and docker provider (built from their Go modules by scripts/ci-env.sh into
// CI_ENV.toolsDir), on the real engine, with the image pulled from the loopback Docker Hub: a stopped container and a
// container removed by hand are repaired (the session kept), an image change takes the automatic pre-upgrade backup
// first, a host folder shows in the workspace, and an env var and a secret env var reach the container (the secret
// never in the state in plain text), all as a person runs them (`npm run up`/`status`, `pulumi config set`). Under
// CI=true missing tools fail this file; elsewhere it is skipped with why.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { VOLUMES } from "../../src/facts.js";
import { describeOn, realEngine } from "./support/env.js";
import { createSession, execIn, sessionIds, freePort } from "./support/opencode.js";
import { KEY, ok, PROJECT_DIR, pulumiEnv, stateText, testStack } from "./support/pulumi.js";
import { push, variant } from "./support/registry.js";

const engine = await realEngine();
const pulumi = pulumiEnv();

describeOn(pulumi ? engine : undefined, "npm run up through the real Pulumi CLI", ({ docker, settings }) => {
  const stackName = `it-pulumi-${process.pid}`;
  const stackFile = join(PROJECT_DIR, "stacks", `Pulumi.${stackName}.yaml`);
  const backend = pulumi!.stateDir;
  const stateHome = mkdtempSync(join(tmpdir(), "state-"));
  const hostFolder = mkdtempSync(join(tmpdir(), "host-folder-"));
  const secretValue = `sk-it-${process.pid}-do-not-store`;
  const image = `${settings.registries.dockerHub.address}/prizz/opencode-cloud-sandbox`;
  let port: number;
  const stack = testStack(pulumi!, stackName, async () => ({ [KEY("image")]: `${image}:latest`, [KEY("port")]: (port = await freePort()) }), { XDG_STATE_HOME: stateHome });
  const base = () => `http://127.0.0.1:${port}`;
  /** Basic auth with the password `npm run up` generated for the stack on its first run. */
  const auth = (): Promise<string> => stack.authorization();
  const container = `opencode-cloud-${stackName}`;

  const runUp = async (): Promise<string> => {
    const text = ok(await stack.npm("up", "--skip-pull")).output;
    console.log(`$ npm run up -- --stack ${stackName}\n${text.split("\n").filter((l) => !/^\s*[+~-]?\s*(pulumi|docker|opencode-cloud):|^\s*$/.test(l)).join("\n")}`);
    return text;
  };

  beforeAll(async () => {
    chmodSync(hostFolder, 0o755); // mkdtemp makes it 0700 for root; the sandbox user reads it as others do
    writeFileSync(join(hostFolder, "from-the-host.txt"), "hello from the host\n");
    await stack.create();
    ok(await stack.cli("stack", "init")); // `pulumi config set` needs the stack; `npm run up` would create it
    ok(await stack.cli("config", "set", "--path", `${KEY("folders")}[0]`, `${hostFolder}:from-host:ro`));
    ok(await stack.cli("config", "set", "--path", `${KEY("env")}[0]`, "IT_PLAIN=plain-value"));
    ok(await stack.cli("config", "set", "--path", "--secret", `${KEY("secretEnv")}[0]`, `IT_SECRET=${secretValue}`));
  });
  afterAll(async () => {
    await stack.remove(docker);
    for (const dir of [backend, stateHome, hostFolder]) rmSync(dir, { recursive: true, force: true });
  });

  it("brings the sandbox up healthy, with the host folder, the env var and the secret env var", async () => {
    await runUp();
    ok(await stack.npm("status"));
    const c = docker.getContainer(container);
    expect(await execIn(c, ["cat", `${VOLUMES.projects}/from-host/from-the-host.txt`])).toEqual({ code: 0, output: "hello from the host\n" });
    expect((await execIn(c, ["sh", "-c", "touch ~/workspace/from-host/x"], "1000")).code).not.toBe(0);
    expect(await execIn(c, ["sh", "-c", "echo $IT_PLAIN $IT_SECRET"])).toEqual({ code: 0, output: `plain-value ${secretValue}\n` });
    // The backend's files themselves (the stack file holds the secret only encrypted).
    expect(stateText(backend)).not.toContain(secretValue);
    expect(readFileSync(stackFile, "utf8")).not.toContain(secretValue);
  });

  // The real provider's refresh keeps a stopped container in the state (mustRun: false, no ports), and the update
  // replaces it on the same volumes: `up` says so from what the engine showed and what the preview plans.
  it("repairs a container stopped by hand, keeping the session", async () => {
    const session = (await createSession(base(), await auth())).id;
    await docker.getContainer(container).stop();
    const text = await runUp();
    expect(text).toMatch(new RegExp(`container ${container} was stopped \\(exit code \\d+[^)]*\\): recreating it on the same volumes`));
    expect((await docker.getContainer(container).inspect()).State.Health?.Status).toBe("healthy");
    expect(await sessionIds(base(), await auth())).toContain(session);
  });

  it("repairs a container removed by hand, keeping the session", async () => {
    const before = await sessionIds(base(), await auth());
    await docker.getContainer(container).remove({ force: true });
    const text = await runUp();
    expect(text).toContain(`container ${container} was removed by hand: recreating it on the same volumes`);
    expect(await sessionIds(base(), await auth())).toEqual(expect.arrayContaining(before));
  });

  // The container is replaced delete-before-create ("-- deleting original" before "++ creating replacement"); the new
  // image is a variant of the tested one with the same command (tests/integration/support/registry.ts).
  it("backs up the sessions volume before the container moves to another image", async () => {
    const next = `it-next-${process.pid}`;
    await push(docker, settings, await variant(docker, `${image}:latest`, next), image, next);
    ok(await stack.cli("config", "set", KEY("image"), `${image}:${next}`));
    const text = await runUp();
    expect(text).toContain("with another image");
    // deleteBeforeReplace: the old container is gone before its replacement is created (same name, same port).
    const lines = text.split("\n");
    const step = (what: string) => lines.findIndex((l) => /Container\b.*\bcontainer\b/.test(l) && l.includes(what));
    expect(step("deleting original")).toBeGreaterThan(-1);
    expect(step("deleting original")).toBeLessThan(step("creating replacement"));
    const dir = join(stateHome, "opencode-cloud", "backups", stackName);
    expect(readdirSync(dir).filter((f) => f.startsWith(`${stackName}-pre-upgrade-`) && f.endsWith(".tar.gz"))).toHaveLength(1);
    expect(execFileSync("tar", ["-tzf", join(dir, readdirSync(dir)[0]!)]).toString()).toContain("manifest.json");
  });
});
