// The workflow policy as pure functions over a parsed workflow (tests/workflows/workflows.test.ts applies them to
// every file in .github/workflows and proves each one catches a bad sample). Each returns the problems it finds.

export type Workflow = {
  on?: unknown;
  permissions?: unknown;
  concurrency?: unknown;
  jobs?: Record<string, Job>;
};
export type Job = {
  permissions?: unknown;
  uses?: string;
  "runs-on"?: unknown;
  "timeout-minutes"?: unknown;
  steps?: Step[];
};
export type Step = { uses?: string; with?: Record<string, unknown>; run?: string };

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
