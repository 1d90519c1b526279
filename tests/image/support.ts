// Shared readers for the static image tests: the Dockerfile as a list of stages, and the tool manifest.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DockerfileParser, type Instruction } from "dockerfile-ast";
import { parseToolManifest, TOOL_MANIFEST_SOURCE, type ToolManifest } from "../../src/image/manifest.js";

export const IMAGE_DIR = fileURLToPath(new URL("../../image/", import.meta.url));
export const readImageFile = (rel: string): string => readFileSync(IMAGE_DIR + rel, "utf8");

export const dockerfileText = (): string => readImageFile("Dockerfile");
export const loadManifest = (): ToolManifest => parseToolManifest(readImageFile("tools.json"), TOOL_MANIFEST_SOURCE);

export interface Step {
  keyword: string;
  /** The instruction's arguments as written, line continuations joined. */
  args: string;
  instruction: Instruction;
}
export interface Stage {
  name: string;
  /** The image or stage this one starts FROM, as written. */
  from: string;
  steps: Step[];
  /** Stages this one reads from: its FROM parent, COPY --from and RUN --mount from=. */
  dependsOn: string[];
}
export interface ParsedDockerfile {
  /** ARGs declared before the first FROM: name -> default (undefined when none). */
  globalArgs: Map<string, string | undefined>;
  stages: Stage[];
  stage(name: string): Stage;
}

/** Everything after the keyword, flags included, continuation lines joined and blanks collapsed. */
const joinArgs = (i: Instruction): string =>
  i.getTextContent().replace(/\\\r?\n/g, " ").replace(/^\s*\S+/, "").replace(/\s+/g, " ").trim();

export function parseDockerfile(text: string = dockerfileText()): ParsedDockerfile {
  const df = DockerfileParser.parse(text);
  const globalArgs = new Map<string, string | undefined>();
  const stages: Stage[] = [];
  let current: Stage | undefined;
  for (const instruction of df.getInstructions()) {
    const keyword = instruction.getKeyword();
    const args = joinArgs(instruction);
    if (keyword === "FROM") {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!m) throw new Error(`cannot read FROM ${args}`);
      current = { name: m[2] ?? `#${stages.length}`, from: m[1]!, steps: [], dependsOn: [m[1]!] };
      stages.push(current);
      continue;
    }
    if (!current) {
      if (keyword === "ARG") {
        const [name, value] = args.split("=", 2) as [string, string | undefined];
        globalArgs.set(name, value);
      }
      continue;
    }
    current.steps.push({ keyword, args, instruction });
    for (const m of args.matchAll(/--from=(\S+)/g)) current.dependsOn.push(m[1]!);
    for (const m of args.matchAll(/--mount=\S*\bfrom=([^,\s]+)/g)) current.dependsOn.push(m[1]!);
  }
  const byName = new Map(stages.map((s) => [s.name, s]));
  return {
    globalArgs,
    stages,
    stage(name) {
      const s = byName.get(name);
      if (!s) throw new Error(`no stage ${name} in image/Dockerfile`);
      return s;
    },
  };
}

/** Substitutes the global ARGs (and overrides) in a FROM or --from value. */
function substituter(df: ParsedDockerfile, args: Record<string, string>): (s: string) => string {
  const values = new Map([...df.globalArgs].map(([k, v]) => [k, args[k] ?? v ?? ""]));
  return (s) => s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => values.get(a ?? b) ?? "");
}

/** Every stage BuildKit must build for `target`, with global ARGs (and overrides) substituted in FROM lines. */
export function closure(df: ParsedDockerfile, target: string, args: Record<string, string> = {}): Set<string> {
  const subst = substituter(df, args);
  const names = new Set(df.stages.map((s) => s.name));
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name) || !names.has(name)) return;
    seen.add(name);
    for (const dep of df.stage(name).dependsOn) visit(subst(dep));
  };
  visit(target);
  return seen;
}

/** The stages whose layers the image of `target` ships: it and its FROM parents, global ARGs substituted. */
export function shippedStages(df: ParsedDockerfile, target: string, args: Record<string, string> = {}): Stage[] {
  const subst = substituter(df, args);
  const names = new Set(df.stages.map((s) => s.name));
  const chain: Stage[] = [];
  for (let name = target; names.has(name) && !chain.some((s) => s.name === name); ) {
    const stage = df.stage(name);
    chain.push(stage);
    name = subst(stage.from);
  }
  return chain;
}

/** The words of the first `apt-get install` in a stage (packages only, flags dropped). */
export function aptPackages(stage: Stage): string[] {
  for (const step of stage.steps) {
    if (step.keyword !== "RUN") continue;
    const m = /apt-get install ([^&;]*)/.exec(step.args);
    if (m) return m[1]!.split(/\s+/).filter((w) => w && !w.startsWith("-"));
  }
  return [];
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
/** Runs an executable with exactly `env`, resolving (never rejecting) with its exit code and output. */
export const runFile = (file: string, args: readonly string[], env: Record<string, string>, timeout = 30_000): Promise<Run> =>
  new Promise((resolve) => {
    execFile(file, [...args], { env, timeout }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
