// Prints how long the mocked program takes per shipped sandbox stack (goal: under 1 s each). A benchmark that
// prints figures, not a timed assertion. Usage: npm run bench:program
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { PROJECT_DIR, runProgram, stackFileConfig } from "./program.js";

const RUNS = 5;
const stacks = readdirSync(join(PROJECT_DIR, "stacks"))
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined && (stackFileConfig(s)["opencode-cloud:mode"] ?? "sandbox") === "sandbox")
  .sort();

// The first run in a process also loads the SDKs; report it apart from the steady state.
const coldStart = performance.now();
await runProgram({ stackFile: stacks[0]! });
console.log(`first run (loads the SDKs, stack ${stacks[0]}): ${(performance.now() - coldStart).toFixed(0)} ms`);
for (const stack of stacks) {
  const times: number[] = [];
  let resources = 0;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    resources = (await runProgram({ stackFile: stack })).resources.length;
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  console.log(`stack ${stack}: ${resources} resources, median ${times[Math.floor(RUNS / 2)]!.toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms over ${RUNS} runs`);
}
