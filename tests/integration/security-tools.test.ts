// The release gates against the real tools: cosign, trivy and dive built from their Go modules at the versions
// actions/lib/pins.ts pins (scripts/ci-env/build-tools.sh), driven through the actions' bundles with `tool-path`, on
// the real engine, the sandbox image scripts/ci-env.sh builds and its two loopback registries. trivy reads a
// vulnerability database this test writes in trivy's own format (tools/trivy/testdb), fully offline. The digest
// cosign-sign signed is then pulled by the sandbox program through the real Pulumi CLI with requireSignature and the
// test's public key (signatureKey), which accepts it and refuses an unsigned one.

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COSIGN, DIVE, TRIVY } from "../../actions/lib/pins.js";
import { CI_ENV, IMAGE_NAMES, TEST_LOCAL_IMAGE } from "../../src/facts.js";
import { errorOf, runAction, workDir } from "../actions/support.js";
import { describeOn, realEngine } from "./support/env.js";
import { KEY, ok, pulumiEnv, testStack, type TestStack } from "./support/pulumi.js";
import { push, standIn } from "./support/registry.js";
import { COSIGN_OFFLINE_ENV, realTools, runTool, TRIVY_OFFLINE_ENV, writeTrivyDb, type Advisory, type ToolName } from "./support/tools.js";

const engine = await realEngine();
const pulumi = pulumiEnv();
/** The engine with the named tools, when all are there (outside CI; under CI a missing one fails the file). */
const withTools = <N extends ToolName>(...names: N[]) => {
  const tools = engine ? realTools(...names) : undefined;
  return engine && tools ? { ...engine, tools } : undefined;
};

/** Runs a command in the sandbox image with another entrypoint; its stdout. */
function inImage(entrypoint: string, args: string[]): string {
  const r = spawnSync("docker", ["run", "--rm", "--entrypoint", entrypoint, TEST_LOCAL_IMAGE, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`docker run --entrypoint ${entrypoint} ${TEST_LOCAL_IMAGE}: ${r.stderr}`);
  return r.stdout;
}

/** Builds `tag` from the base image with the classic builder from Dockerfile lines. */
function buildImage(tag: string, lines: string[]): void {
  const built = spawnSync("docker", ["build", "--quiet", "--tag", tag, "-"], {
    input: [`FROM ${CI_ENV.baseImage}`, ...lines].join("\n"),
    encoding: "utf8",
    env: { ...process.env, DOCKER_BUILDKIT: "0" },
  });
  expect(built.status, built.stderr).toBe(0);
}

for (const [name, version, args] of [
  ["cosign", COSIGN.version, ["version"]],
  ["trivy", TRIVY.version, ["--version"]],
  ["dive", DIVE.version, ["--version"]],
] as const) {
  describeOn(withTools(name), `the real ${name}`, ({ tools }) => {
    it(`reports the pinned version ${version}`, () => {
      const r = runTool(tools[name], [...args]);
    expect(r.code, r.stderr).toBe(0);
      const out = r.stdout + r.stderr;
      expect(out).toMatch(new RegExp(`\\bv?${version.replaceAll(".", "\\.")}\\b`));
      expect(out).not.toMatch(/devel|No version provided|dev\b/);
    });
  });
}

describeOn(withTools("trivy"), "trivy-gate with the real trivy on the sandbox image, with an offline database", ({ tools }) => {
  let dir: string;
  let cacheDir: string;
  /** The Debian source package the advisories name, its installed source version, and the OS bucket. */
  let target: { platform: string; source: string; binary: string; version: string; installed: string };
  const fixable = "CVE-2099-0001";
  const absent = "CVE-2099-0002";
  const advisory = (id: string, fixedVersion: string): Advisory => ({
    platform: target.platform,
    package: target.source,
    id,
    fixedVersion,
    severity: "CRITICAL",
    title: `test advisory ${id} for ${target.source}`,
  });
  const gate = () =>
    runAction("trivy-gate", dir, { image: TEST_LOCAL_IMAGE, "tool-path": tools.trivy, "cache-dir": cacheDir }, { ...TRIVY_OFFLINE_ENV });

  beforeAll(() => {
    const osRelease = inImage("cat", ["/etc/os-release"]);
    const id = /^ID=(\w+)$/m.exec(osRelease)?.[1];
    const major = /^VERSION_ID="?(\d+)/m.exec(osRelease)?.[1];
    expect(id, osRelease).toBe("debian");
    // Source package, source version, binary package, binary version: trivy looks advisories up by source.
    const rows = inImage("dpkg-query", ["-W", "-f", "${source:Package}\t${source:Version}\t${Package}\t${Version}\n"])
      .trim()
      .split("\n")
      .map((l) => l.split("\t"));
    const zlib = rows.find((r) => r[0] === "zlib") ?? rows[0]!;
    target = { platform: `${id} ${major}`, source: zlib[0]!, version: zlib[1]!, binary: zlib[2]!, installed: zlib[3]! };
  });

  beforeAll(async () => {
    dir = await workDir();
    cacheDir = join(dir, "trivy-cache");
  });

  it("blocks a CRITICAL advisory with a fix for a package version the image has, ignores one it does not have, writes SARIF", async () => {
    // Fixed in a later revision of the installed source version ("+" sorts after the end in Debian versions);
    // the other was fixed long before the installed version.
    writeTrivyDb(dir, cacheDir, [advisory(fixable, `${target.version}+occ1`), advisory(absent, "0.0.1-1")]);
    const run = await gate();
    console.log(`trivy-gate on ${TEST_LOCAL_IMAGE} (exit ${run.code}): ${errorOf(run)}; outputs ${JSON.stringify(run.outputs)}`);
    expect(run.code, run.stdout).toBe(1);
    expect(errorOf(run)).toContain(`1 finding(s) at CRITICAL and above, with a fix available: ${fixable} (${target.binary})`);
    expect(errorOf(run)).not.toContain(absent);
    expect(run.outputs["critical"]).toBe("1");
    expect(run.outputs["blocking"]).toBe("1");

    const report = JSON.parse(readFileSync(join(dir, "trivy-report.json"), "utf8")) as {
      Results: { Target: string; Class: string; Vulnerabilities?: { VulnerabilityID: string; InstalledVersion: string; FixedVersion: string; Status: string }[] }[];
    };
    const vulns = report.Results.flatMap((r) => r.Vulnerabilities ?? []);
    expect(vulns.map((v) => v.VulnerabilityID)).toEqual([fixable]);
    expect(vulns[0]).toMatchObject({ InstalledVersion: target.installed, FixedVersion: `${target.version}+occ1`, Status: "fixed" });

    const sarif = JSON.parse(readFileSync(join(dir, "trivy-results.sarif"), "utf8")) as { version: string; runs: { results: { ruleId: string }[] }[] };
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs[0]!.results.map((r) => r.ruleId)).toEqual([fixable]);
  });

  it("passes the same advisory while it has no fix (reported as affected, not blocking)", async () => {
    writeTrivyDb(dir, cacheDir, [advisory(fixable, ""), advisory(absent, "0.0.1-1")]);
    const run = await gate();
    expect(errorOf(run)).toBe("");
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ critical: "1", total: "1", blocking: "0" });
    const report = readFileSync(join(dir, "trivy-report.json"), "utf8");
    expect(report).toContain('"Status": "affected"');
    expect(existsSync(join(dir, "trivy-results.sarif"))).toBe(true);
  });

  it("passes when the database holds no advisory for what the image has", async () => {
    writeTrivyDb(dir, cacheDir, [advisory(absent, "0.0.1-1")]);
    const run = await gate();
    expect(errorOf(run)).toBe("");
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ critical: "0", total: "0", blocking: "0" });
  });

  it("writes a CycloneDX SBOM of the image listing its packages", () => {
    const sbom = join(dir, "sbom.cdx.json");
    const r = runTool(tools.trivy, ["image", "--format", "cyclonedx", "--output", sbom, "--cache-dir", cacheDir, TEST_LOCAL_IMAGE], { ...TRIVY_OFFLINE_ENV });
    expect(r.code, r.stderr).toBe(0);
    const bom = JSON.parse(readFileSync(sbom, "utf8")) as { bomFormat: string; specVersion: string; components: { name: string; version?: string; type: string }[] };
    expect(bom.bomFormat).toBe("CycloneDX");
    expect(bom.components.find((c) => c.name === target.binary)?.version).toBe(target.installed);
    expect(bom.components.filter((c) => c.type === "library").length).toBeGreaterThan(50);
  });
});

describeOn(withTools("dive"), "dive-check with the real dive", ({ docker, tools }) => {
  // One workspace for both runs, as two checks in one job share it: the second report is smaller than the first.
  let dir: string;
  beforeAll(async () => {
    dir = await workDir();
  });

  it(`evaluates the three rules on ${TEST_LOCAL_IMAGE}'s real numbers, and the image passes them`, async () => {
    const run = await runAction("dive-check", dir, { image: TEST_LOCAL_IMAGE, "tool-path": tools.dive });
    const report = JSON.parse(readFileSync(join(dir, "dive-report.json"), "utf8")) as {
      image: { sizeBytes: number; inefficientBytes: number; efficiencyScore: number };
      layer: { sizeBytes: number }[];
    };
    expect(Number(run.outputs["efficiency"])).toBe(report.image.efficiencyScore);
    expect(Number(run.outputs["wasted-bytes"])).toBe(report.image.inefficientBytes);
    expect(Number(run.outputs["size-bytes"])).toBe(report.image.sizeBytes);
    // dive's size is the sum of its layers, and that is the size the engine reports for the image.
    const inspected = await docker.getImage(TEST_LOCAL_IMAGE).inspect();
    expect(report.layer.reduce((s, l) => s + l.sizeBytes, 0)).toBe(report.image.sizeBytes);
    expect(Math.abs(report.image.sizeBytes - inspected.Size) / inspected.Size).toBeLessThan(0.02);
    // The defaults: efficiency >= 95 %, wasted <= 50 MB, wasted <= 10 % of the layers above the base.
    const userBytes = report.layer.slice(1).reduce((s, l) => s + l.sizeBytes, 0);
    const userWasted = userBytes === 0 ? 0 : report.image.inefficientBytes / userBytes;
    expect(Number(run.outputs["user-wasted-percent"])).toBeCloseTo(userWasted, 5);
    const passes = report.image.efficiencyScore >= 0.95 && report.image.inefficientBytes <= 50e6 && userWasted <= 0.1;
    console.info(`dive on ${TEST_LOCAL_IMAGE}: ${run.summary.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ")}`);
    expect(run.code, `${errorOf(run)}\n${run.summary}`).toBe(passes ? 0 : 1);
    // The image itself keeps to the gate (a RUN rewriting an earlier layer's files broke it once: tests/image/layer-policy).
    expect(passes, run.summary).toBe(true);
  });

  it("fails a deliberately wasteful image on all three rules", async () => {
    const wasteful = "opencode-cloud-dive-wasteful:test";
    buildImage(wasteful, ["RUN head -c 60000000 /dev/urandom > /waste.bin", "RUN rm /waste.bin"]);
    try {
      const run = await runAction("dive-check", dir, { image: wasteful, "tool-path": tools.dive });
      expect(run.code).toBe(1);
      const error = errorOf(run);
      expect(error).toMatch(/^dive check failed for opencode-cloud-dive-wasteful:test: /);
      for (const rule of ["lowest-efficiency", "highest-wasted-bytes", "highest-user-wasted-percent"]) expect(error).toContain(rule);
      expect(Number(run.outputs["wasted-bytes"])).toBeGreaterThanOrEqual(60e6);
    } finally {
      await docker.getImage(wasteful).remove({ force: true }).catch(() => undefined);
    }
  });
});

describeOn(withTools("cosign", "trivy"), "cosign-sign with the real cosign, key mode, on the loopback registries", ({ docker, settings, tools }) => {
  let dir: string;
  let env: Record<string, string>;
  let signed: string[];
  let unsigned: string;
  // Fixed tags: a re-run moves them instead of leaving one more pair in the loopback registries.
  const tags = { signed: "security-tools-signed", unsigned: "security-tools-unsigned" };
  const cosign = (args: string[]) => runTool(tools.cosign, args, env);
  /** Removes every signature and attestation of `ref` (earlier runs' ones too, made with their own key pairs). */
  const clean = (ref: string) => {
    const r = cosign(["clean", "--force", "--type", "all", ref]);
    expect(r.code, r.stderr).toBe(0);
  };

  beforeAll(async () => {
    dir = await workDir();
    env = { ...COSIGN_OFFLINE_ENV, COSIGN_PASSWORD: "test-only-password", DOCKER_CONFIG: join(dir, "docker") };
    mkdirSync(env["DOCKER_CONFIG"]!);
    const auth = Buffer.from(`${settings.pushUser}:${settings.pushPassword}`).toString("base64");
    const registries = Object.values(settings.registries);
    writeFileSync(join(env["DOCKER_CONFIG"]!, "config.json"), JSON.stringify({ auths: Object.fromEntries(registries.map((r) => [r.address, { auth }])) }));
    const keys = runTool(tools.cosign, ["generate-key-pair", "--output-key-prefix", join(dir, "cosign")], env);
    expect(keys.code, keys.stderr).toBe(0);
    signed = [];
    for (const registry of registries) {
      const repo = standIn(registry, IMAGE_NAMES.dockerHub);
      signed.push(`${repo}@${await push(docker, settings, TEST_LOCAL_IMAGE, repo, tags.signed)}`);
    }
    // Another image in the same repository that nobody signs: it stays so whatever an earlier run left.
    const repo = standIn(settings.registries.dockerHub, IMAGE_NAMES.dockerHub);
    unsigned = `${repo}@${await push(docker, settings, settings.baseImage, repo, tags.unsigned)}`;
    for (const ref of [...signed, unsigned]) clean(ref);
  });

  it("signs the sandbox digest in both registries and verifies each with the public key", async () => {
    const run = await runAction(
      "cosign-sign",
      dir,
      { images: signed.join("\n"), mode: "key", key: join(dir, "cosign.key"), "public-key": join(dir, "cosign.pub"), "tool-path": tools.cosign },
      env,
    );
    expect(errorOf(run), run.stdout).toBe("");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.outputs["signed-json"]!)).toEqual(signed);
    for (const ref of signed) {
      const verify = cosign(["verify", "--key", join(dir, "cosign.pub"), "--insecure-ignore-tlog=true", ref]);
      expect(verify.code, verify.stderr).toBe(0);
    }
  });

  it("refuses a digest nobody signed", () => {
    const verify = cosign(["verify", "--key", join(dir, "cosign.pub"), "--insecure-ignore-tlog=true", unsigned]);
    expect(verify.code).not.toBe(0);
    expect(verify.stderr).toMatch(/no signatures found|no matching signatures/i);
  });

  it("attests the SBOM to the signed digests through the action; the README's verify-attestation reads it back", async () => {
    const sbom = join(dir, "sbom.cdx.json");
    const written = runTool(tools.trivy, ["image", "--format", "cyclonedx", "--output", sbom, "--cache-dir", join(dir, "trivy-cache"), TEST_LOCAL_IMAGE], { ...TRIVY_OFFLINE_ENV });
    expect(written.code, written.stderr).toBe(0);
    const sha256 = createHash("sha256").update(readFileSync(sbom)).digest("hex");
    const run = await runAction(
      "cosign-sign",
      dir,
      {
        images: signed.join("\n"), mode: "key", key: join(dir, "cosign.key"), "public-key": join(dir, "cosign.pub"),
        predicate: sbom, "predicate-type": "cyclonedx", "predicate-sha256": sha256, "tool-path": tools.cosign,
      },
      env,
    );
    expect(errorOf(run), run.stdout).toBe("");
    expect(run.code).toBe(0);
    for (const ref of signed) {
      // The README's verify command (key instead of identity): each line's payload is an in-toto statement whose
      // predicate is the SBOM.
      const verify = cosign(["verify-attestation", "--key", join(dir, "cosign.pub"), "--insecure-ignore-tlog=true", "--type", "cyclonedx", ref]);
      expect(verify.code, verify.stderr).toBe(0);
      const statements = verify.stdout.trim().split("\n").map((line) => {
        const envelope = JSON.parse(line) as { payload: string };
        return JSON.parse(Buffer.from(envelope.payload, "base64").toString("utf8")) as { predicateType: string; predicate: unknown; subject: { digest: { sha256: string } }[] };
      });
      expect(statements.length).toBeGreaterThan(0);
      for (const st of statements) {
        expect(st.predicateType).toBe("https://cyclonedx.org/bom");
        expect(st.subject[0]!.digest.sha256).toBe(ref.split("@sha256:")[1]);
      }
      // cosign re-encodes the predicate (Go sorts object keys): compare the documents, not their bytes.
      expect(statements.map((st) => st.predicate)).toContainEqual(JSON.parse(readFileSync(sbom, "utf8")));
    }
    const none = cosign(["verify-attestation", "--key", join(dir, "cosign.pub"), "--insecure-ignore-tlog=true", "--type", "cyclonedx", unsigned]);
    expect(none.code).not.toBe(0);
  });

  // The consumer's side of the same signature: `pulumi preview` of the sandbox program, which resolves the tag, finds
  // the signature and runs the real cosign (first on PATH) with the stack's key, before any resource is planned.
  (pulumi ? describe : describe.skip)("the sandbox program through the real Pulumi CLI, requireSignature with the test's key", () => {
    const stacks: TestStack[] = [];
    const hub = () => standIn(settings.registries.dockerHub, IMAGE_NAMES.dockerHub);
    /** A stack that pulls `image` and requires a signature made with `publicKey`, which has no transparency-log entry. */
    const stackFor = async (name: string, image: string, publicKey: string): Promise<TestStack> => {
      const stack = testStack(
        pulumi!,
        `it-sig-${name}-${process.pid}`,
        async () => ({ [KEY("image")]: image, [KEY("requireSignature")]: true, [KEY("signatureKey")]: publicKey, [KEY("signatureTlog")]: false }),
        // The real cosign first on PATH, and the Docker config with the registries' auth. No COSIGN_* variable:
        // what verifies is the command line the stack's config makes.
        { PATH: [dirname(tools.cosign), pulumi!.env["PATH"] ?? ""].join(delimiter), DOCKER_CONFIG: env["DOCKER_CONFIG"]! },
      );
      stacks.push(stack);
      expect(Object.keys(stack.env).filter((k) => k.startsWith("COSIGN_"))).toEqual([]);
      await stack.create();
      ok(await stack.cli("stack", "init"));
      ok(await stack.cli("config", "set", "--secret", KEY("password"), "security-tools-password-0123456789"));
      return stack;
    };
    /** The program's lines of a preview (its diagnostics), for the log. */
    const said = (output: string) => output.split("\n").filter((l) => /cosign|signature|served by|requireSignature/.test(l)).join("\n");

    afterAll(async () => {
      for (const stack of stacks) {
        await stack.cli("stack", "rm", "--yes", "--force");
        rmSync(stack.file, { force: true });
      }
      rmSync(pulumi!.stateDir, { recursive: true, force: true });
    });

    it("pulumi preview accepts the signed tag: cosign verified the digest with the test's public key, no transparency log", async () => {
      const stack = await stackFor("signed", `${hub()}:${tags.signed}`, join(dir, "cosign.pub"));
      const preview = await stack.cli("preview");
      console.info(`pulumi preview (${tags.signed}):\n${said(preview.output)}`);
      ok(preview);
      expect(preview.output).toContain(`cosign verified the signature of ${signed[0]} (with the key ${join(dir, "cosign.pub")}, no transparency log)`);
    });

    it("pulumi preview refuses the unsigned tag, naming opencode-cloud:requireSignature", async () => {
      const stack = await stackFor("unsigned", `${hub()}:${tags.unsigned}`, join(dir, "cosign.pub"));
      const preview = await stack.cli("preview");
      console.info(`pulumi preview (${tags.unsigned}):\n${said(preview.output)}`);
      expect(preview.code).not.toBe(0);
      expect(preview.output).toContain(
        `opencode-cloud:requireSignature: ${unsigned} carries no cosign signature. Allowed: false, or an image signed by the key in opencode-cloud:signatureKey.`,
      );
    });

    it("pulumi preview refuses the signed tag with another key pair's public key: cosign itself rejects it", async () => {
      const other = join(dir, "other");
      const keys = runTool(tools.cosign, ["generate-key-pair", "--output-key-prefix", other], env);
      expect(keys.code, keys.stderr).toBe(0);
      const stack = await stackFor("otherkey", `${hub()}:${tags.signed}`, `${other}.pub`);
      const preview = await stack.cli("preview");
      console.info(`pulumi preview (${tags.signed}, another key):\n${said(preview.output)}`);
      expect(preview.code).not.toBe(0);
      expect(preview.output).toContain(`opencode-cloud:requireSignature: cosign verify (with the key ${other}.pub, no transparency log) rejected ${signed[0]}: `);
      expect(preview.output).not.toContain("cosign verified");
    });
  });
});
