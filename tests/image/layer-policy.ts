// Layer policy for the stages whose layers the image ships: a RUN there may change the mode or owner only of what
// that same RUN made. A chmod/chown (recursive or not, or through `find -exec`) over a file an earlier layer holds
// copies the file into a new layer, so the image stores it twice: the dive gate's "wasted" bytes. Set modes where
// the files are made instead (the source stage, or the RUN that writes them).
import type { Step } from "./support.js";

export interface LayerFinding {
  stage: string;
  /** The offending shell command as written. */
  command: string;
  /** The paths it changes that the RUN did not make. */
  paths: string[];
}

/** A command of a RUN: its words (quotes removed) and the files it redirects output to. */
interface Command {
  words: string[];
  writes: string[];
}

const SEPARATORS = ["&&", "||", ";", "|"];
const KEYWORDS = new Set(["if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "(", ")", "sudo", "exec"]);
const CHANGES_METADATA = new Set(["chmod", "chown", "chgrp"]);

/** Splits a shell command line into simple commands; good enough for Dockerfile RUNs (no subshell parsing). */
export function shellCommands(line: string): Command[] {
  const commands: Command[] = [];
  let words: string[] = [];
  let writes: string[] = [];
  let word = "";
  let inWord = false;
  let redirect = false;
  const endWord = () => {
    if (!inWord) return;
    if (redirect) writes.push(word);
    else words.push(word);
    word = "";
    inWord = false;
    redirect = false;
  };
  const endCommand = () => {
    endWord();
    while (words.length > 0 && (KEYWORDS.has(words[0]!) || /^\w+=/.test(words[0]!))) words.shift();
    if (words.length > 0 || writes.length > 0) commands.push({ words, writes });
    words = [];
    writes = [];
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    const sep = SEPARATORS.find((s) => line.startsWith(s, i));
    if (sep) {
      endCommand();
      i += sep.length - 1;
    } else if (c === "'" || c === '"') {
      const close = line.indexOf(c, i + 1);
      const end = close === -1 ? line.length : close;
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === ">" || c === "<") {
      endWord();
      if (line[i + 1] === ">") i++;
      if (line[i + 1] === "&") {
        i += 2; // >&2: a descriptor, not a file
        continue;
      }
      redirect = c === ">";
      if (c === "<") {
        // Input: skip the file name.
        while (line[i + 1] === " ") i++;
        while (i + 1 < line.length && !/\s/.test(line[i + 1]!)) i++;
      }
    } else if (/\s/.test(c)) {
      endWord();
    } else if (/\d/.test(c) && !inWord && line[i + 1] === ">") {
      // 2>/dev/null: the descriptor number is not a word.
    } else {
      word += c;
      inWord = true;
    }
  }
  endCommand();
  return commands;
}

const operands = (words: string[]) => words.slice(1).filter((w) => !w.startsWith("-"));

/** The paths a command creates or writes (for the "made in this RUN" test). */
function made(cmd: Command): string[] {
  const [name] = cmd.words;
  const args = operands(cmd.words);
  switch (name) {
    case "mkdir":
    case "touch":
    case "tee":
      return [...args, ...cmd.writes];
    case "install":
      return cmd.words.includes("-d") ? [...args, ...cmd.writes] : [...args.slice(-1), ...cmd.writes];
    case "cp":
    case "mv":
    case "ln":
      return [...args.slice(-1), ...cmd.writes];
    default:
      return cmd.writes;
  }
}

/** The paths a chmod/chown/chgrp (or `find P... -exec chmod`) changes; undefined when the command changes none. */
function metadataTargets(cmd: Command): string[] | undefined {
  const [name] = cmd.words;
  if (name && CHANGES_METADATA.has(name)) {
    const args = operands(cmd.words);
    const reference = cmd.words.some((w) => w.startsWith("--reference"));
    return reference ? args : args.slice(1); // the first operand is the mode or owner
  }
  if (name === "find") {
    const exec = cmd.words.indexOf("-exec");
    if (exec === -1 || !CHANGES_METADATA.has(cmd.words[exec + 1] ?? "")) return undefined;
    const firstTest = cmd.words.findIndex((w, i) => i > 0 && /^[-!(]/.test(w));
    return cmd.words.slice(1, firstTest === -1 ? exec : firstTest);
  }
  return undefined;
}

const under = (path: string, dir: string) => {
  const d = dir.replace(/\/+$/, "");
  return path === d || path.startsWith(`${d}/`);
};

/** The RUN's joined arguments without its leading flags (--mount=...). */
const runCommand = (args: string) => args.replace(/^(--\S+\s+)+/, "");

/**
 * Every chmod/chown/chgrp in a shipped stage's RUN that touches a path the same RUN did not make earlier on.
 * `stages`: the stages whose layers end up in the image, each with its steps.
 */
export function layerRewrites(stages: readonly { name: string; steps: readonly Pick<Step, "keyword" | "args">[] }[]): LayerFinding[] {
  const findings: LayerFinding[] = [];
  for (const stage of stages) {
    for (const step of stage.steps.filter((s) => s.keyword === "RUN")) {
      const madeHere: string[] = [];
      for (const cmd of shellCommands(runCommand(step.args))) {
        const targets = metadataTargets(cmd);
        if (targets) {
          const foreign = targets.filter((t) => !madeHere.some((m) => under(t, m)));
          if (foreign.length > 0) findings.push({ stage: stage.name, command: cmd.words.join(" "), paths: foreign });
        }
        madeHere.push(...made(cmd));
      }
    }
  }
  return findings;
}
