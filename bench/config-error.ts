// How long a bad config value takes to be reported (`npm run bench:config-error`; not a test: it prints figures, it
// asserts nothing). Median of RUNS, with the peak RSS of the largest process (/usr/bin/time -f %M):
//   preview       `pulumi preview` of a stack copied from stacks/Pulumi.loopback.yaml with
//                 `opencode-cloud:imageDigest: sha256:x`, start -> exit (the error reported)
//   SDK formatter the SDK's defaultErrorMessage (util.inspect with colors) over the ConfigErrors as the program threw
//                 it before src/config/report.ts (a source-mapped SDK frame `node_modules/@pulumi/resource.ts:..`
//                 in its stack), in a child node: the cost of the old path alone (once; it takes about a minute)
//   RunError      the same formatter over what the program hands on now (userError)
// The formatter rows time the formatter call alone; their RSS is the whole child's (tsx and the SDK loaded).
// Needs the Pulumi tools (scripts/ci-env.sh); no Docker engine.
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify as stringifyYaml } from "yaml";
import { loopbackConfig, PROJECT_DIR, pulumiEnv, run } from "../tests/integration/support/pulumi.js";

const RUNS = 3;
const TIME = "/usr/bin/time";
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs a command under /usr/bin/time: wall seconds, peak RSS in MB (NaN without /usr/bin/time), its output. */
async function measured(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ seconds: number; rssMb: number; output: string }> {
  const since = Date.now();
  const withTime = existsSync(TIME);
  const r = withTime ? await run(TIME, ["-f", "peak-rss-kb=%M", command, ...args], { env }) : await run(command, args, { env });
  const kb = /peak-rss-kb=(\d+)/.exec(r.output)?.[1];
  return { seconds: (Date.now() - since) / 1000, rssMb: kb ? Math.round(Number(kb) / 1024) : NaN, output: r.output };
}

/** A child node that builds the error in `errorJs` and runs the SDK's formatter over it. */
const formatterScript = (errorJs: string): string => `
const { defaultErrorMessage } = require("@pulumi/pulumi/cmd/run/error.js");
const e = (() => { ${errorJs} })();
const t = Date.now(); const text = defaultErrorMessage(e); console.log("formatted", text.length, "chars in", Date.now() - t, "ms");`;

async function main(): Promise<void> {
  const tools = pulumiEnv();
  if (!tools) throw new Error("needs the Pulumi tools (scripts/ci-env.sh)");
  const { env } = tools;
  const stack = `bench-config-${process.pid}`;
  const file = join(PROJECT_DIR, "stacks", `Pulumi.${stack}.yaml`);
  const rows: string[][] = [["what", "seconds (median)", "peak RSS MB", "runs"]];
  try {
    writeFileSync(file, stringifyYaml({ config: { ...loopbackConfig(), "opencode-cloud:imageDigest": "sha256:x" } }));
    await run("pulumi", ["stack", "init", "--stack", stack, "--non-interactive"], { env });
    const previews = [];
    for (let i = 0; i < RUNS; i++) {
      const p = await measured("pulumi", ["preview", "--stack", stack, "--non-interactive"], env);
      if (!p.output.includes("opencode-cloud:imageDigest")) throw new Error(`preview did not name the key:\n${p.output}`);
      previews.push(p);
    }
    rows.push(["pulumi preview, bad imageDigest", median(previews.map((p) => p.seconds)).toFixed(1), String(Math.max(...previews.map((p) => p.rssMb))), String(RUNS)]);

    const config = `const { ConfigError, ConfigErrors } = require("./src/config/errors.ts");
      return new ConfigErrors([new ConfigError("opencode-cloud:imageDigest", '"sha256:x" is not a digest', "a digest")]);`;
    const sdkFrame = `const e = (() => { ${config} })();
      e.stack = e.stack.split("\\n")[0] + "\\n    at Stack.initialize (" + process.cwd() + "/node_modules/@pulumi/resource.ts:1598:22)"; return e;`;
    const report = `const { userError } = require("./src/config/report.ts"); return userError((() => { ${config} })());`;
    for (const [what, errorJs] of [["SDK formatter, error as thrown before", sdkFrame], ["SDK formatter, userError (now)", report]] as const) {
      const f = await measured(process.execPath, ["--import", "tsx", "-e", formatterScript(errorJs)], env);
      const ms = /formatted \d+ chars in (\d+) ms/.exec(f.output)?.[1];
      if (!ms) throw new Error(`${what}: the formatter did not finish:\n${f.output}`);
      rows.push([what, (Number(ms) / 1000).toFixed(1), String(f.rssMb), "1"]);
    }
  } finally {
    await run("pulumi", ["stack", "rm", "--yes", "--force", "--stack", stack, "--non-interactive"], { env });
    rmSync(file, { force: true });
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join(" | "));
}

await main();
