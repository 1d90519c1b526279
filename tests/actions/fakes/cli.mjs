// Shared by the stand-in tools: strict flag parsing (unknown flags are refused, as cobra-based CLIs do) and a log of
// every command line for the tests to read.

import { appendFileSync } from "node:fs";

/**
 * Parses argv against the flags a command knows: `valued` take a value (`--f v` or `--f=v`), `exact` must be written
 * exactly as given (e.g. `--list-all-pkgs=false`), `bare` take none. Exits 1 on anything else.
 */
export function parseArgs(argv, { valued = [], exact = [], bare = [] }) {
  const flags = {};
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("-")) {
      positional.push(arg);
      continue;
    }
    if (exact.includes(arg) || bare.includes(arg)) {
      flags[arg] = true;
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (!valued.includes(name)) die(`Error: unknown flag: ${name}`);
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) die(`Error: flag needs an argument: ${name}`);
    flags[name] = value;
  }
  return { flags, positional };
}

export function die(message, code = 1) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

export function logCall(tool, argv) {
  if (process.env.FAKE_LOG) appendFileSync(process.env.FAKE_LOG, `${JSON.stringify({ tool, argv })}\n`);
}
