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

async function measure(args) {
  const times = [];
  for (let i = 0; i < runs; i++) times.push(await firstLine(args));
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], min: times[0], max: times[times.length - 1] };
}

const fmt = (t) => `median ${t.median.toFixed(0)} ms (min ${t.min.toFixed(0)}, max ${t.max.toFixed(0)})`;
console.log(`node ${process.version}, ${runs} runs each`);
console.log(`${"bare node -e console.log()".padEnd(34)} ${fmt(await measure(["-e", "console.log(1)"]))}`);
for (const name of ACTIONS) {
  const size = (await stat(distPath(name))).size;
  const t = await measure([distPath(name)]);
  console.log(`${name.padEnd(12)} ${(size / 1024).toFixed(1).padStart(6)} KiB  first log line: ${fmt(t)}`);
}
