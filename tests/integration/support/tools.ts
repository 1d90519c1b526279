// The real cosign, trivy and dive, built from their Go modules by scripts/ci-env/build-tools.sh into the
// version-keyed cache and linked into its bin directory (CI_ENV.toolsBin in src/facts.ts). Under CI=true a missing binary fails the importing test file;
// elsewhere the tests that need them are skipped with the reason printed.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CI_ENV } from "../../../src/facts.js";
import { ROOT } from "../../actions/support.js";
import { inCI } from "./env.js";

export type ToolName = "cosign" | "trivy" | "dive";

/**
 * The named binaries, or undefined (outside CI only) when one is not built; under CI=true a missing one throws.
 * Each tool is its own set under tools/, built by scripts/ci-env/build-tools.sh.
 */
export function realTools<N extends ToolName>(...names: N[]): Record<N, string> | undefined {
  const tools = Object.fromEntries(names.map((name) => [name, join(CI_ENV.toolsBin, name)])) as Record<N, string>;
  const missing = names.filter((name) => !existsSync(tools[name]));
  if (missing.length === 0) return tools;
  const reason = `${missing.map((name) => `${name} (${tools[name]})`).join(", ")} not built; run scripts/ci-env/build-tools.sh`;
  if (inCI) throw new Error(`real-tools tier under CI=true: ${reason}`);
  console.warn(`real-tools tests skipped: ${reason}`);
  return undefined;
}

/** Runs a tool synchronously; output as text. */
export function runTool(path: string, args: string[], env: Record<string, string> = {}, input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(path, args, { encoding: "utf8", env: { ...process.env, ...env }, input, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** trivy offline: the test's own database in the cache dir, no DB, Java DB or checks bundle download. */
export const TRIVY_OFFLINE_ENV = {
  TRIVY_SKIP_DB_UPDATE: "true",
  TRIVY_SKIP_JAVA_DB_UPDATE: "true",
  TRIVY_SKIP_CHECK_UPDATE: "true",
  TRIVY_OFFLINE_SCAN: "true",
  TRIVY_NO_PROGRESS: "true",
  TRIVY_DISABLE_TELEMETRY: "true",
} as const;

/**
 * cosign offline, in key mode: every flag can be set as COSIGN_<FLAG> (cosign binds them through viper), so the
 * actions' own command lines run unchanged. No transparency log upload, no TUF-fetched signing config (both need
 * the public Sigstore services), and verification without a transparency log entry.
 */
export const COSIGN_OFFLINE_ENV = {
  COSIGN_TLOG_UPLOAD: "false",
  COSIGN_USE_SIGNING_CONFIG: "false",
  COSIGN_INSECURE_IGNORE_TLOG: "true",
} as const;

export interface Advisory {
  platform: string;
  package: string;
  id: string;
  fixedVersion: string;
  severity: "UNKNOWN" | "LOW" | "MEDIUM" | "HIGH" | "CRITICAL";
  title: string;
}

/** Builds tools/trivy/testdb (go's build cache keeps repeats cheap) and writes `advisories` as cacheDir/db. */
export function writeTrivyDb(workDir: string, cacheDir: string, advisories: Advisory[]): void {
  const bin = join(workDir, "trivy-testdb");
  if (!existsSync(bin)) {
    const built = spawnSync("go", ["build", "-trimpath", "-mod=readonly", "-o", bin, "./testdb"], { cwd: join(ROOT, "tools", "trivy"), encoding: "utf8" });
    if (built.status !== 0) throw new Error(`go build tools/trivy/testdb: ${built.error?.message ?? built.stderr}`);
  }
  const r = runTool(bin, ["-cache-dir", cacheDir], {}, JSON.stringify({ advisories }));
  if (r.code !== 0) throw new Error(`trivy-testdb: ${r.stderr}`);
}
