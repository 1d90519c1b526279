// Prints each action's bundle size and its cold start: the time from spawning `node dist/index.js` to its first
// line on stdout (median of N runs), next to a bare `node` start for reference. Figures only, no assertions.
//   node actions/bench.mjs [runs]

import { spawn } from "node:child_process";
import { stat } from "node:fs/promises";
import { ACTIONS, distPath } from "./build.mjs";

const runs = Number(process.argv[2] ?? 15);

function firstLine(args) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH }, stdio: ["ignore", "pipe", "ignore"] });
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve(Number(process.hrtime.bigint() - started) / 1e6);
    };
    child.stdout.once("data", finish);
    child.on("exit", finish);
    child.on("error", reject);
  });
}

// Rounds interleave bare node and every action, so a busy machine slows them alike; the overhead column is the
// median over rounds of (action - bare node) in the same round.
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const targets = [["bare node", ["-e", "console.log(1)"]], ...ACTIONS.map((name) => [name, [distPath(name)]])];
const times = new Map(targets.map(([name]) => [name, []]));
for (let round = 0; round < runs; round++) {
  for (const [name, args] of targets) times.get(name).push(await firstLine(args));
}
const bare = times.get("bare node");
console.log(`node ${process.version}, ${runs} interleaved rounds; time from spawn to the first stdout line`);
for (const [name] of targets) {
  const t = times.get(name);
  const size = name === "bare node" ? "" : `${((await stat(distPath(name))).size / 1024).toFixed(1)} KiB`;
  const overhead = name === "bare node" ? "" : `  over bare node: ${median(t.map((x, i) => x - bare[i])).toFixed(0)} ms`;
  console.log(
    `${name.padEnd(12)} ${size.padStart(10)}  median ${median(t).toFixed(0)} ms (min ${Math.min(...t).toFixed(0)})${overhead}`,
  );
}
