// npm run release:local [-- --platforms amd64,arm64] [--ref refs/tags/vX.Y.Z] [--run-id N] [--work DIR]
//                        [--registry dockerHub|ghcr=HOST:PORT] (point a stand-in elsewhere, e.g. at a dead port)
//                        [--json FILE] (the summary: digests, indexes, tags read back, warnings, stage timings)
// Rehearses a release on this machine, as publish.yml runs it on a tag: release-amd64 and release-arm64 (QEMU here)
// build with docker-build on the engine's BuildKit and push by digest to the loopback "Docker Hub" and "GHCR"; the
// merge stack publishes the candidate index under sha-<7>; cosign signs it (key mode) when a cosign binary is at
// hand; the merge stack's promote run moves the release tags to the signed index; every tag is read back over the
// distribution API. Prints each step, the digests and each stage's wall time. The plan is src/release/rehearsal.ts;
// this file only runs it (git, the Pulumi CLI, cosign, the registry API). Needs scripts/ci-env.sh's environment.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";

import { ConfigError, ConfigErrors } from "../src/config/errors.js";
import type { RegistryKey } from "../src/config/release.js";
import { CI_ENV, PLATFORMS, type Platform } from "../src/facts.js";
import { RegistryClient } from "../src/oci/client.js";
import { indexPlatforms } from "../src/release/gateway.js";
import {
  buildHandOff,
  candidateEnv,
  candidateIndexes,
  checkReadBack,
  credentialsEnv,
  formatDuration,
  githubEnv,
  parsePlatforms,
  parseRegistryOverride,
  promoteEnv,
  rehearsalBuildArgs,
  rehearsalJobs,
  rehearsalTags,
  signingPlan,
  type ReadBack,
  type RehearsalInput,
  type RehearsalJob,
} from "../src/release/rehearsal.js";
import { toolsEnv } from "./lib/tools-env.js";
import { errorOf, runActionBundle } from "./lib/run-action.js";
import { findCosign } from "./release-local/cosign.js";

const PROJECT_DIR = fileURLToPath(new URL("../", import.meta.url));

interface CiSettings {
  pushUser: string;
  pushPassword: string;
  registries: Record<RegistryKey, { address: string; url: string }>;
}

interface Options {
  platforms: Platform[];
  ref?: string;
  runId?: string;
  work?: string;
  registries: Partial<Record<RegistryKey, string>>;
  json?: string;
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { platforms: [...PLATFORMS], registries: {} };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (value === undefined || !["--platforms", "--ref", "--run-id", "--work", "--registry", "--json"].includes(flag)) {
      throw new ConfigError(flag, "is not an option (or lacks its value)", "--platforms amd64,arm64 | --ref refs/tags/vX.Y.Z | --run-id N | --work DIR | --registry ghcr=HOST:PORT | --json FILE");
    }
    i++;
    if (flag === "--platforms") options.platforms = parsePlatforms(value);
    else if (flag === "--ref") options.ref = value;
    else if (flag === "--run-id") options.runId = value;
    else if (flag === "--json") options.json = value;
    else if (flag === "--registry") Object.assign(options.registries, parseRegistryOverride(value));
    else options.work = value;
  }
  return options;
}

interface Result {
  code: number;
  output: string;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, echo = true): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: PROJECT_DIR, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const take = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (echo) process.stderr.write(chunk);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), output }));
  });
}

async function git(...args: string[]): Promise<string> {
  const r = await run("git", args, process.env, false);
  if (r.code !== 0) throw new Error(`git ${args.join(" ")} failed: ${r.output}`);
  return r.output.trim();
}

const timings: { stage: string; ms: number; note: string }[] = [];
/** What --json writes: filled in as the stages run, written however the run ends. */
const summary: Record<string, unknown> = { timings };
const warnings: string[] = [];
const warn = (outputs: Record<string, unknown>) => {
  for (const w of (outputs["warnings"] as string[] | undefined) ?? []) {
    console.log(`warning: ${w}`);
    warnings.push(w);
  }
};
/** Whether this machine builds and runs `platform` under emulation (QEMU) rather than natively. */
const emulated = (platform: Platform): boolean => platform.split("/")[1] !== (process.arch === "x64" ? "amd64" : process.arch);

async function stage<T>(name: string, body: () => Promise<T>, note: (value: T) => string = () => ""): Promise<T> {
  console.log(`\n== ${name}`);
  const started = Date.now();
  try {
    const value = await body();
    timings.push({ stage: name, ms: Date.now() - started, note: note(value) });
    console.log(`== ${name}: done in ${formatDuration(Date.now() - started)}`);
    return value;
  } catch (e) {
    timings.push({ stage: name, ms: Date.now() - started, note: `FAILED: ${(e as Error).message.split("\n")[0]}` });
    throw e;
  }
}

/** One job of publish.yml: a stack of its own (own file backend, as each job's workspace), `pulumi up`, its outputs. */
async function pulumiJob(job: RehearsalJob, env: NodeJS.ProcessEnv, work: string, runTag: string): Promise<{ outputs: Record<string, unknown>; result: Result }> {
  const stack = `rehearsal-${runTag}-${job.id}`;
  const committed = parseYaml(readFileSync(join(PROJECT_DIR, "stacks", `Pulumi.${job.stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
  const file = join(PROJECT_DIR, "stacks", `Pulumi.${stack}.yaml`);
  writeFileSync(file, stringifyYaml({ config: { ...committed.config, ...job.config } }));
  const state = join(work, `state-${job.id}`);
  mkdirSync(state, { recursive: true });
  const jobEnv = { ...env, PULUMI_BACKEND_URL: `file://${state}` };
  try {
    const init = await run("pulumi", ["stack", "init", stack, "--non-interactive"], jobEnv, false);
    if (init.code !== 0) throw new Error(`pulumi stack init ${stack} failed:\n${init.output}`);
    console.log(`$ pulumi up --stack ${stack}   (config: stacks/Pulumi.${job.stack}.yaml + ${Object.keys(job.config).join(", ")})`);
    const result = await run("pulumi", ["up", "--yes", "--skip-preview", "--non-interactive", "--stack", stack], jobEnv);
    const out = await run("pulumi", ["stack", "output", "--json", "--stack", stack], jobEnv, false);
    return { outputs: out.code === 0 ? (JSON.parse(out.output) as Record<string, unknown>) : {}, result };
  } finally {
    rmSync(file, { force: true });
  }
}

/** Key-mode signing of each index digest in its registry, verified at once (keyless needs Fulcio: not here). */
async function sign(cosign: string, refs: readonly string[], settings: Pick<CiSettings, "pushUser" | "pushPassword">, work: string): Promise<void> {
  const env = { ...process.env, DOCKER_CONFIG: join(work, "cosign-docker"), COSIGN_PASSWORD: "rehearsal" };
  const ok = async (args: string[]) => {
    const r = await run(cosign, args, env);
    if (r.code !== 0) throw new Error(`cosign ${args[0]} failed (exit ${r.code})`);
  };
  const key = join(work, "cosign");
  if (!existsSync(`${key}.key`)) await ok(["generate-key-pair", "--output-key-prefix", key]);
  for (const address of new Set(refs.map((r) => r.slice(0, r.indexOf("/"))))) {
    const login = await new Promise<Result>((resolve, reject) => {
      const child = spawn(cosign, ["login", address, "-u", settings.pushUser, "--password-stdin"], { env, stdio: ["pipe", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (c: Buffer) => (output += c.toString()));
      child.stderr.on("data", (c: Buffer) => (output += c.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? -1, output }));
      child.stdin.end(settings.pushPassword);
    });
    if (login.code !== 0) throw new Error(`cosign login ${address} failed: ${login.output}`);
  }
  for (const ref of refs) {
    // Offline: no signing config (cosign v3 refuses --tlog-upload=false beside its default one) and no Rekor entry.
    await ok(["sign", "--yes", "--key", `${key}.key`, "--use-signing-config=false", "--tlog-upload=false", "--allow-http-registry", ref]);
    await ok(["verify", "--key", `${key}.pub`, "--insecure-ignore-tlog=true", "--allow-http-registry", ref]);
  }
}

/** Each tag in each registry that took part, anonymously (as a user pulls). */
async function readBack(addresses: Partial<Record<RegistryKey, string>>, repository: string, tags: readonly string[]): Promise<Partial<Record<RegistryKey, Record<string, ReadBack | undefined>>>> {
  const client = new RegistryClient();
  const found: Partial<Record<RegistryKey, Record<string, ReadBack | undefined>>> = {};
  for (const [key, address] of Object.entries(addresses) as [RegistryKey, string][]) {
    found[key] = {};
    for (const tag of tags) {
      const m = await client.manifest(address, repository, tag);
      found[key]![tag] = m === undefined ? undefined : { mediaType: m.mediaType, digest: m.digest, platforms: indexPlatforms(m.body) };
    }
  }
  return found;
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const settings = JSON.parse(readFileSync(join(CI_ENV.dir, CI_ENV.settingsFile), "utf8")) as CiSettings;
  const sha = await git("rev-parse", "HEAD");
  const commitEpoch = Number(await git("log", "-1", "--format=%ct"));
  const input: RehearsalInput = {
    sha,
    commitEpoch,
    ...(options.ref ? { ref: options.ref } : {}),
    existingTags: (await git("tag", "--list", "v*")).split("\n").filter((t) => t !== ""),
    runId: options.runId ?? String(commitEpoch),
    platforms: options.platforms,
    registries: { dockerHub: settings.registries.dockerHub.address, ghcr: settings.registries.ghcr.address, ...options.registries },
    repository: CI_ENV.published.repository,
    buildArgs: rehearsalBuildArgs(settings.registries.dockerHub.address),
  };
  const plan = rehearsalTags(input);
  const jobs = rehearsalJobs(input);
  const work = options.work ?? mkdtempSync(join(tmpdir(), "opencode-cloud-rehearsal-"));
  const runTag = `${process.pid}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...toolsEnv(),
    ...githubEnv(input),
    ...credentialsEnv(settings.pushUser, settings.pushPassword),
    PULUMI_CONFIG_PASSPHRASE: "release-rehearsal",
    // docker-build builds on the current builder of this client config: the rehearsal's docker-container builder
    // (scripts/ci-env.sh; the engine's own BuildKit cannot push by digest), as setup-buildx-action makes one in CI.
    DOCKER_CONFIG: CI_ENV.rehearsal.dockerConfig,
  };
  delete env["PULUMI_CONFIG_PASSPHRASE_FILE"];
  if (!(env["PATH"] ?? "").split(delimiter).some((dir) => dir !== "" && existsSync(join(dir, "pulumi")))) {
    throw new ConfigError("PATH", "holds no pulumi", `the CLI scripts/ci-env/build-tools.sh builds (${CI_ENV.toolsDir}/env.json names its directory)`);
  }
  Object.assign(summary, { sha, ref: env["GITHUB_REF"], runId: input.runId, tags: plan.tags, platforms: input.platforms, warnings });
  console.log(`release rehearsal of ${sha} (${env["GITHUB_REF"]}, run ${input.runId}), platforms ${input.platforms.join(", ")}`);
  console.log(`tags: ${plan.tags.join(", ")}${plan.withheld.length ? `; withheld: ${plan.withheld.map((w) => w.tag).join(", ")}` : ""}`);
  console.log(`registries: ${input.registries.dockerHub} ("Docker Hub"), ${input.registries.ghcr} ("GHCR"); work dir ${work}`);

  const builds: { platform: Platform; digest: string; digests: ReturnType<typeof buildHandOff>["digests"] }[] = [];
  for (const job of jobs.filter((j) => j.id.startsWith("build-"))) {
    const platform = input.platforms.find((p) => job.id === `build-${p.split("/")[1]}`)!;
    const handOff = await stage(
      `${job.id} (${job.stack}${emulated(platform) ? ", QEMU" : ""})`,
      async () => {
        const { outputs, result } = await pulumiJob(job, env, work, runTag);
        if (result.code !== 0) throw new Error(`pulumi up of ${job.stack} failed (exit ${result.code})`);
        warn(outputs);
        return buildHandOff(outputs, platform);
      },
      (h) => `${platform} ${h.digest}`,
    );
    console.log(`digest ${platform}: ${handOff.digest}`);
    builds.push({ platform, ...handOff });
    if (platform === "linux/arm64") writeFileSync(CI_ENV.rehearsal.arm64Warm, `${JSON.stringify({ digest: handOff.digest, sha, at: new Date().toISOString() })}\n`);
    summary["builds"] = Object.fromEntries(builds.map((b) => [b.platform, b.digest]));
  }
  // The verify job's smoke test, on each build's digest pulled back from the first registry that took it, through
  // the action's own bundle as the runner starts it. trivy and dive gate the same image in the real-tool tier
  // (tests/integration/security-tools.test.ts, which builds trivy's database offline); they are not repeated here.
  for (const build of builds) {
    const [registry, refs] = Object.entries(build.digests).find(([, d]) => d?.[build.platform]) ?? [];
    if (!registry || !refs) throw new Error(`no registry took the ${build.platform} build`);
    const ref = `${input.registries[registry as RegistryKey]}/${input.repository}@${build.digest}`;
    if (emulated(build.platform)) {
      // Measured: the arm64 image stops at once under QEMU user mode, "[FATAL tini (1)] PR_SET_CHILD_SUBREAPER is
      // unavailable on this platform" (the image's tini is a subreaper, TINI_SUBREAPER, beside docker's --init).
      // publish.yml smoke-tests each platform on a native runner; here the emulated one is said to be left out.
      console.log(`\n== verify: smoke test of ${build.platform}: left out (QEMU user mode lacks PR_SET_CHILD_SUBREAPER, which the image's tini needs; publish.yml runs it on a native ${build.platform} runner)`);
      continue;
    }
    await stage(
      `verify: smoke test of ${build.platform}`,
      async () => {
        const dir = mkdtempSync(join(work, "smoke-"));
        const password = randomBytes(18).toString("base64url");
        const run = await runActionBundle("smoke-test", dir, { image: ref, platform: build.platform, "timeout-seconds": "300", password });
        const lines = run.stdout.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("::"));
        for (const line of lines.slice(-6)) console.log(`    ${line.replaceAll(password, "***")}`);
        if (run.code !== 0) throw new Error(`the smoke test of ${ref} failed: ${errorOf(run).replaceAll(password, "***") || `exit ${run.code}`}`);
        return ref;
      },
      (r) => `passed on ${r}`,
    );
  }

  const candidateJob = jobs.find((j) => j.id === "candidate")!;
  const indexes = await stage(
    "merge: candidate index under the sha- tag",
    async () => {
      const { outputs, result } = await pulumiJob(candidateJob, { ...env, ...candidateEnv(builds) }, work, runTag);
      if (result.code !== 0) throw new Error(`pulumi up of the candidate failed (exit ${result.code})`);
      warn(outputs);
      return candidateIndexes(outputs);
    },
    (i) => Object.entries(i).map(([r, d]) => `${r} ${d}`).join(", "),
  );
  for (const [registry, digest] of Object.entries(indexes)) console.log(`index ${registry}: ${digest}`);
  summary["indexes"] = indexes;
  const refs = (Object.entries(indexes) as [RegistryKey, string][]).map(([r, d]) => `${input.registries[r]}/${input.repository}@${d}`);

  const cosign = findCosign();
  const signing = signingPlan(cosign.path, cosign.searched);
  if (signing.mode === "key") {
    await stage(`sign: cosign key mode (${signing.cosign})`, () => sign(signing.cosign, refs, settings, work), () => refs.join(", "));
  } else {
    console.log(`\n== sign: SKIPPED: ${signing.reason}`);
    timings.push({ stage: "sign", ms: 0, note: "skipped: no cosign" });
  }

  const promoteJob = jobs.find((j) => j.id === "promote")!;
  const promoted = await stage(
    "merge: promote the release tags to the signed index",
    async () => {
      const { outputs, result } = await pulumiJob(promoteJob, { ...env, ...promoteEnv(indexes) }, work, runTag);
      warn(outputs);
      return result;
    },
    (r) => (r.code === 0 ? "moved" : "refused"),
  );
  summary["signing"] = signing.mode;
  summary["promoted"] = promoted.code === 0;
  if (promoted.code !== 0) {
    const why = /carries no signature[^\n]*/.exec(promoted.output)?.[0];
    console.log(`promote refused${why ? `: ${why}` : ` (exit ${promoted.code})`}`);
  }

  const expected = promoted.code === 0 ? plan.tags : plan.tags.filter((t) => t.startsWith("sha-"));
  const problems = await stage("read back every tag over the distribution API", async () => {
    const taking = Object.fromEntries((Object.keys(indexes) as RegistryKey[]).map((r) => [r, input.registries[r]]));
    const found = await readBack(taking, input.repository, expected);
    summary["readBack"] = found;
    for (const [registry, tags] of Object.entries(found)) {
      for (const [tag, got] of Object.entries(tags)) {
        console.log(`${registry} :${tag} -> ${got ? `${got.mediaType} ${got.digest} [${Object.entries(got.platforms).map(([p, d]) => `${p} ${d}`).join(", ")}]` : "missing"}`);
      }
    }
    return checkReadBack(Object.keys(indexes) as RegistryKey[], expected, found, Object.fromEntries(builds.map((b) => [b.platform, b.digest])), indexes);
  }, (p) => (p.length === 0 ? `${expected.length} tags x ${Object.keys(indexes).length} registries` : `${p.length} problems`));

  console.log("\nstage timings:");
  for (const t of timings) console.log(`  ${t.stage.padEnd(58)} ${formatDuration(t.ms).padStart(10)}  ${t.note}`);
  for (const p of problems) console.log(`problem: ${p}`);
  summary["problems"] = problems;
  if (problems.length > 0) return 1;
  if (promoted.code !== 0) {
    console.log(signing.mode === "skipped" ? "\nrehearsal INCOMPLETE: the index was not signed, so the promote refused it (as it must)" : "\nrehearsal FAILED: the promote refused a signed index");
    return signing.mode === "skipped" ? 2 : 1;
  }
  const reached = Object.keys(indexes);
  const where = reached.length === Object.keys(input.registries).length ? "every registry" : `${reached.join(", ")} only (warnings above)`;
  console.log(`\nrehearsal passed: ${plan.tags.join(", ")} in ${where} (${reached.join(", ")}), each an index of ${input.platforms.join(" + ")}`);
  return 0;
}

const jsonFile = (() => {
  const i = process.argv.indexOf("--json");
  return i === -1 ? undefined : process.argv[i + 1];
})();
try {
  process.exitCode = await main();
} catch (e) {
  summary["error"] = (e as Error).message;
  if (e instanceof ConfigError || e instanceof ConfigErrors) console.error(`release:local: ${e.message}`);
  else console.error(`release:local failed: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
} finally {
  summary["exitCode"] = process.exitCode;
  if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(summary, null, 2)}\n`);
}
