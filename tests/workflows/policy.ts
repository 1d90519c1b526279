// The workflow policy as pure functions over a parsed workflow (tests/workflows/workflows.test.ts applies them to
// every file in .github/workflows and proves each one catches a bad sample). Each returns the problems it finds.

export type Workflow = {
  on?: unknown;
  permissions?: unknown;
  concurrency?: unknown;
  env?: Record<string, unknown>;
  jobs?: Record<string, Job>;
};
export type Job = {
  if?: string;
  needs?: string | string[];
  permissions?: unknown;
  uses?: string;
  secrets?: unknown;
  env?: Record<string, unknown>;
  "runs-on"?: unknown;
  "timeout-minutes"?: unknown;
  strategy?: { matrix?: { include?: Record<string, unknown>[] } };
  steps?: Step[];
};
export type Step = { name?: string; uses?: string; with?: Record<string, unknown>; run?: string; env?: Record<string, unknown> };

export const SHA_PIN_RE = /^([\w.-]+\/[\w.-]+(?:\/[\w./-]+)?)@([0-9a-f]{40})$/;
const VERSION_COMMENT_RE = /^#\s*v\d+\.\d+\.\d+$/;

/** Every `uses:` reference with the comment written after it on its line. */
export function usesLines(text: string): { ref: string; comment: string; line: number }[] {
  const found: { ref: string; comment: string; line: number }[] = [];
  text.split("\n").forEach((line, i) => {
    const m = /^\s*(?:-\s+)?uses:\s*("?)([^\s"#]+)\1\s*(#.*)?$/.exec(line);
    if (m) found.push({ ref: m[2]!, comment: (m[3] ?? "").trim(), line: i + 1 });
  });
  return found;
}

/** Every `uses:` is local (`./`) or pinned to a full commit SHA with `# vX.Y.Z` beside it. */
export function pinningProblems(text: string): string[] {
  return usesLines(text).flatMap(({ ref, comment, line }) => {
    if (ref.startsWith("./")) return [];
    if (ref.startsWith("docker://")) return [`line ${line}: ${ref}: container actions are not allowed`];
    if (!SHA_PIN_RE.test(ref)) return [`line ${line}: ${ref} is not pinned to a full commit SHA`];
    if (!VERSION_COMMENT_RE.test(comment)) return [`line ${line}: ${ref} has no "# vX.Y.Z" comment`];
    return [];
  });
}

/** One action, one commit and version everywhere (so Dependabot's bumps and reviews stay consistent). */
export function consistencyProblems(texts: readonly string[]): string[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const text of texts) {
    for (const { ref, comment } of usesLines(text)) {
      const m = SHA_PIN_RE.exec(ref);
      if (!m) continue;
      const pin = `${m[2]} ${comment}`;
      const before = seen.get(m[1]!);
      if (before !== undefined && before !== pin) problems.push(`${m[1]} is pinned to both ${before} and ${pin}`);
      seen.set(m[1]!, pin);
    }
  }
  return problems;
}

/** Top-level `permissions` is `{}` (nothing by default) and every job declares its own. */
export function permissionProblems(workflow: Workflow): string[] {
  const problems: string[] = [];
  const top = workflow.permissions;
  if (top === undefined) problems.push("no top-level permissions");
  else if (typeof top !== "object" || top === null || Object.keys(top).length > 0) problems.push(`top-level permissions must be {}, not ${JSON.stringify(top)}`);
  for (const [id, job] of Object.entries(workflow.jobs ?? {})) {
    if (job.permissions === undefined) problems.push(`job ${id} declares no permissions`);
    else if (typeof job.permissions === "string") problems.push(`job ${id} uses the blanket permissions "${job.permissions}"`);
  }
  return problems;
}

/** Jobs that get `id-token: write`. */
export function idTokenJobs(workflow: Workflow): string[] {
  return Object.entries(workflow.jobs ?? {})
    .filter(([, job]) => typeof job.permissions === "object" && job.permissions !== null && (job.permissions as Record<string, unknown>)["id-token"] === "write")
    .map(([id]) => id);
}

/** A release-like workflow queues: a fixed concurrency group that never cancels a run in progress. */
export function queueProblems(workflow: Workflow): string[] {
  const c = workflow.concurrency as { group?: unknown; "cancel-in-progress"?: unknown } | undefined;
  if (typeof c !== "object" || c === null) return ["no workflow-level concurrency"];
  const problems: string[] = [];
  if (typeof c.group !== "string" || c.group === "" || c.group.includes("${{")) problems.push(`concurrency group must be a fixed name, not ${JSON.stringify(c.group)}`);
  if (c["cancel-in-progress"] !== false) problems.push("cancel-in-progress must be false");
  return problems;
}

/** Every job has a timeout (a hung job must not hold the release queue for six hours). */
export function timeoutProblems(workflow: Workflow): string[] {
  return Object.entries(workflow.jobs ?? {})
    .filter(([, job]) => job.uses === undefined && job["timeout-minutes"] === undefined)
    .map(([id]) => `job ${id} has no timeout-minutes`);
}

/** `./actions/<name>` steps pass only inputs the action declares, and every required one. */
export function localActionProblems(workflow: Workflow, inputsOf: (path: string) => { inputs: Record<string, { required?: boolean; default?: unknown }> } | undefined): string[] {
  const problems: string[] = [];
  for (const [id, job] of Object.entries(workflow.jobs ?? {})) {
    for (const step of job.steps ?? []) {
      if (!step.uses?.startsWith("./actions/")) continue;
      const action = inputsOf(step.uses);
      if (!action) {
        problems.push(`job ${id}: ${step.uses} has no action.yml`);
        continue;
      }
      const given = Object.keys(step.with ?? {});
      for (const key of given) if (!(key in action.inputs)) problems.push(`job ${id}: ${step.uses} has no input "${key}"`);
      for (const [key, spec] of Object.entries(action.inputs)) {
        if (spec.required === true && spec.default === undefined && !given.includes(key)) problems.push(`job ${id}: ${step.uses} needs input "${key}"`);
      }
    }
  }
  return problems;
}

const SECRET_RE = /\$\{\{[^}]*\bsecrets\.([A-Za-z_]+)/g;
const secretsIn = (value: unknown): string[] => [...JSON.stringify(value ?? null).matchAll(SECRET_RE)].map((m) => m[1]!);

/**
 * Secrets reach only the steps that use them: never `secrets: inherit`, never a secret in workflow- or job-level env
 * (every step and action of the job would see it), and each secret in `only` (e.g. PULUMI_CONFIG_PASSPHRASE) only in
 * steps whose `uses` starts with the given prefix (the pulumi steps).
 */
export function secretScopeProblems(workflow: Workflow, only: Readonly<Record<string, string>> = {}): string[] {
  const problems: string[] = [];
  for (const secret of secretsIn(workflow.env)) problems.push(`secret ${secret} is in the workflow's env (every job sees it)`);
  for (const [id, job] of Object.entries(workflow.jobs ?? {})) {
    if (job.secrets === "inherit") problems.push(`job ${id} passes secrets: inherit (pass each secret it needs by name)`);
    for (const secret of secretsIn(job.env)) problems.push(`job ${id}: secret ${secret} is in the job's env (every step sees it)`);
    (job.steps ?? []).forEach((step, i) => {
      for (const secret of secretsIn(step)) {
        const prefix = only[secret];
        if (prefix !== undefined && !(step.uses ?? "").startsWith(prefix)) {
          problems.push(`job ${id} step ${step.name ?? i + 1}: ${secret} is only for ${prefix} steps`);
        }
      }
    });
  }
  return problems;
}

/**
 * A workflow that can be dispatched runs only on the ref it is for: every job that needs no other job carries
 * `if: github.ref == '<ref>'` (the jobs after it are skipped with it).
 */
export function dispatchProblems(workflow: Workflow, ref: string): string[] {
  const on = workflow.on;
  if (typeof on !== "object" || on === null || !("workflow_dispatch" in on)) return [];
  const guard = `github.ref == '${ref}'`;
  return Object.entries(workflow.jobs ?? {})
    .filter(([, job]) => job.needs === undefined && !(job.if ?? "").includes(guard))
    .map(([id]) => `job ${id} runs on a dispatch from any ref; add if: ${guard}`);
}

/** `name` with `${{ matrix.<key> }}` expanded for every row of the job's matrix (itself without a matrix). */
function expandMatrix(job: Job, text: string): string[] {
  const rows = job.strategy?.matrix?.include ?? [{}];
  return [...new Set(rows.map((row) => text.replace(/\$\{\{\s*matrix\.(\w+)\s*\}\}/g, (_, key: string) => String(row[key] ?? `<matrix.${key}>`))))];
}

/**
 * Artifacts are downloaded by exact name only (no pattern, no merge-multiple: an artifact another step added would
 * be taken), and each name is one an upload step of this workflow writes.
 */
export function artifactProblems(workflow: Workflow): string[] {
  const uploaded = new Set<string>();
  const downloads: { id: string; with: Record<string, unknown> }[] = [];
  for (const [id, job] of Object.entries(workflow.jobs ?? {})) {
    for (const step of job.steps ?? []) {
      if (step.uses?.startsWith("actions/upload-artifact@")) for (const n of expandMatrix(job, String(step.with?.["name"] ?? ""))) uploaded.add(n);
      if (step.uses?.startsWith("actions/download-artifact@")) downloads.push({ id, with: step.with ?? {} });
    }
  }
  const problems: string[] = [];
  for (const { id, with: w } of downloads) {
    if (w["pattern"] !== undefined) problems.push(`job ${id} downloads artifacts by pattern "${String(w["pattern"])}"`);
    if (w["merge-multiple"] !== undefined) problems.push(`job ${id} merges downloaded artifacts`);
    const name = w["name"];
    if (typeof name !== "string" || name.includes("${{")) problems.push(`job ${id} downloads an artifact without an exact name (${JSON.stringify(name)})`);
    else if (!uploaded.has(name)) problems.push(`job ${id} downloads "${name}", which no step of this workflow uploads`);
  }
  return problems;
}

/** Every step of `action` (e.g. ./actions/cosign-sign) pins the signing identity pattern to `pattern`, nothing looser. */
export function identityProblems(workflow: Workflow, action: string, pattern: string): string[] {
  const problems: string[] = [];
  for (const [id, job] of Object.entries(workflow.jobs ?? {})) {
    for (const step of job.steps ?? []) {
      if (step.uses !== action) continue;
      const given = step.with?.["certificate-identity-regexp"];
      if (given !== pattern) problems.push(`job ${id} step ${step.name ?? action}: certificate-identity-regexp is ${JSON.stringify(given)}, not ${pattern}`);
      if (step.with?.["certificate-identity"] !== undefined) problems.push(`job ${id} step ${step.name ?? action}: sets certificate-identity (the OIDC token decides it)`);
    }
  }
  return problems;
}
