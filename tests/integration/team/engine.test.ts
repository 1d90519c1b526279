// The team stack through the real Pulumi engine (the CLI and the Node.js language host built from their Go modules,
// the Kubernetes provider plugin built at the npm package's version) against a real API server with kwok nodes:
// what only the engine and the provider can show. Each `pulumi` runs on a local file backend in a temporary
// directory with its own config file, so the repository's stacks/ stays untouched; the sandbox image is resolved on
// a loopback registry. Figures (seconds) are printed, never asserted. Under CI=true a missing piece fails the file.

import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IMAGE_NAMES, PULUMI_OFFLINE_ENV, VOLUME_KINDS } from "../../../src/facts.js";
import { Secret } from "../../../src/config/secret.js";
import { memberPassword } from "../../../src/team/password.js";
import { FakeRegistry, fakeIndex } from "../../support/fake-registry.js";
import { PROJECT_DIR } from "../../support/program.js";
import { TEAM_SEED } from "../../support/team.js";
import { inCI } from "../support/env.js";
import { builtKubeEnvironment, staticVolumes, startCluster, waitFor, type Cluster } from "../support/kube.js";
import { freePort } from "../support/opencode.js";

const exec = promisify(execFile);
const STACK = "team-it";
const STORAGE_CLASS = "opencode-static";

const kube = await builtKubeEnvironment();

/** `pulumi` and its Node.js language host on PATH (scripts/ci-env/build-tools.sh links them into the tools' bin
 * directory, which vitest.integration.config.ts puts first on PATH). */
async function pulumiCli(): Promise<string | undefined> {
  const missing: string[] = [];
  for (const bin of ["pulumi", "pulumi-language-nodejs"]) {
    try {
      await exec("sh", ["-c", `command -v ${bin}`]);
    } catch {
      missing.push(`${bin} is not on PATH (scripts/ci-env.sh builds it)`);
    }
  }
  if (missing.length === 0) return undefined;
  const why = missing.join("; ");
  if (inCI) throw new Error(`team engine tier under CI=true: ${why}`);
  console.warn(`team engine tier skipped: ${why}`);
  return why;
}

const cliMissing = await pulumiCli();

interface PreviewStep {
  op: string;
  urn: string;
}

describe.skipIf(!kube || cliMissing !== undefined)("the team stack through the real Pulumi engine", () => {
  let cluster: Cluster;
  let registry: FakeRegistry;
  const home = mkdtempSync(join(tmpdir(), "opencode-team-pulumi-"));
  const configFile = join(home, `Pulumi.${STACK}.yaml`);
  let env: NodeJS.ProcessEnv;
  const repository = IMAGE_NAMES.dockerHub.replace(/^docker\.io\//, "");

  const pulumi = async (...args: string[]): Promise<string> => {
    const { stdout } = await exec("pulumi", [...args, "--stack", STACK, "--non-interactive"], { cwd: PROJECT_DIR, env, timeout: 600_000, maxBuffer: 64 << 20 });
    return stdout;
  };
  const config = (...args: string[]) => pulumi("config", "--config-file", configFile, ...args);
  const preview = async (): Promise<PreviewStep[]> =>
    ((JSON.parse(await pulumi("preview", "--config-file", configFile, "--json")) as { steps?: PreviewStep[] }).steps ?? []);
  const up = async (): Promise<number> => {
    const started = Date.now();
    await pulumi("up", "--config-file", configFile, "--yes", "--skip-preview");
    return (Date.now() - started) / 1000;
  };
  /** Whether a URN is one of the member's resources (their component or a child named `<member>-...`). */
  const ofMember = (urn: string, member: string): boolean => {
    const name = urn.slice(urn.lastIndexOf("::") + 2);
    return name === member || name.startsWith(`${member}-`);
  };

  beforeAll(async () => {
    registry = await new FakeRegistry("registry.docker.io").start();
    registry.push(repository, "1.0.0", fakeIndex("one"));
    registry.push(repository, "2.0.0", fakeIndex("two"));
    cluster = await startCluster(kube!.pieces, `opencode-engine-${process.pid}`, await freePort(), 2);
    await staticVolumes(cluster.api, STORAGE_CLASS, 12, "20Gi");
    env = {
      ...process.env,
      // The provider plugin first on PATH: the engine runs it for the SDK's 4.25.0 (tools/README.md, kube).
      ...kube!.env,
      PULUMI_HOME: join(home, ".pulumi"),
      PULUMI_BACKEND_URL: `file://${home}`,
      PULUMI_CONFIG_PASSPHRASE: "team-engine-test",
      ...PULUMI_OFFLINE_ENV,
      KUBECONFIG: cluster.kubeconfig,
    };
    await pulumi("stack", "init", "--secrets-provider", "passphrase");
    // `stack init` has no --config-file: it writes the stack's file (with the passphrase's salt) under stacks/; move
    // it beside the state, so the repository's stacks/ stays untouched.
    const initial = join(PROJECT_DIR, "stacks", `Pulumi.${STACK}.yaml`);
    if (existsSync(initial)) {
      copyFileSync(initial, configFile);
      rmSync(initial);
    }
    await config("set", "opencode-cloud:mode", "team");
    await config("set", "opencode-cloud:image", `${new URL(registry.url).host}/${repository}`);
    await config("set", "opencode-cloud:imageTag", "1.0.0");
    await config("set", "opencode-cloud:teamStorageClass", STORAGE_CLASS);
    await config("set", "--secret", "opencode-cloud:teamPasswordSeed", TEAM_SEED);
    await config("set", "--path", "opencode-cloud:teamMembers[0].name", "alice");
    await config("set", "--path", "opencode-cloud:teamMembers[1].name", "bob");
  });
  afterAll(async () => {
    await cluster?.stop();
    await registry?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it("brings a team of two up: every pod Ready (kwok), every claim Bound", async () => {
    console.log(`[team-engine] team of two up (Ready) in ${(await up()).toFixed(1)} s`);
    for (const member of ["alice", "bob"]) {
      const set = await cluster.api.get<{ status: { readyReplicas?: number } }>(`/apis/apps/v1/namespaces/opencode-${member}/statefulsets/opencode`);
      expect(set.status.readyReplicas).toBe(1);
      for (const kind of VOLUME_KINDS) {
        await waitFor(`${member}'s ${kind} claim Bound`, 60, async () => {
          const claim = await cluster.api.get<{ status: { phase?: string } }>(`/api/v1/namespaces/opencode-${member}/persistentvolumeclaims/opencode-${kind}`);
          return claim.status.phase === "Bound" ? true : undefined;
        });
      }
    }
  });

  it("changes nothing on a second up", async () => {
    await pulumi("up", "--config-file", configFile, "--yes", "--expect-no-changes");
  });

  it("never holds a password or the seed in plain text in state", async () => {
    const state = await pulumi("stack", "export");
    for (const plain of [TEAM_SEED, ...["alice", "bob"].map((m) => memberPassword(new Secret(TEAM_SEED), STACK, m).reveal())]) {
      expect(state).not.toContain(plain);
      expect(state).not.toContain(Buffer.from(plain).toString("base64"));
    }
  });

  it("adds a third member touching nothing of the first two", async () => {
    await config("set", "--path", "opencode-cloud:teamMembers[2].name", "carol");
    const steps = await preview();
    const changed = steps.filter((s) => s.op !== "same");
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every((s) => s.op === "create" && ofMember(s.urn, "carol")), JSON.stringify(changed)).toBe(true);
    console.log(`[team-engine] third member added (Ready) in ${(await up()).toFixed(1)} s`);
  });

  it("removes a member's pod and keeps their claims", async () => {
    await config("rm", "--path", "opencode-cloud:teamMembers[1]");
    await up();
    expect((await cluster.api.request("GET", "/apis/apps/v1/namespaces/opencode-bob/statefulsets/opencode")).status).toBe(404);
    for (const kind of VOLUME_KINDS) {
      expect((await cluster.api.request("GET", `/api/v1/namespaces/opencode-bob/persistentvolumeclaims/opencode-${kind}`)).status).toBe(200);
    }
  });

  it("rolls the StatefulSets on an image change, and changes nothing else", async () => {
    await config("set", "opencode-cloud:imageTag", "2.0.0");
    const changed = (await preview()).filter((s) => s.op !== "same");
    // urn:pulumi:<stack>::<project>::<parent type>$<type>::<name>
    const described = changed.map((s) => `${s.op} ${s.urn.split("::")[2]!.split("$").pop()} ${s.urn.slice(s.urn.lastIndexOf("::") + 2)}`);
    expect(described.sort()).toEqual(["update kubernetes:apps/v1:StatefulSet alice-sandbox", "update kubernetes:apps/v1:StatefulSet carol-sandbox"]);
    await up();
    const pod = await cluster.api.get<{ spec: { containers: { image: string }[] } }>("/api/v1/namespaces/opencode-alice/pods/opencode-0");
    expect(pod.spec.containers[0]!.image).toMatch(/@sha256:[0-9a-f]{64}$/);
  });
});
