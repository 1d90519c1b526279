// Stand-in dive: `dive IMAGE --json FILE --source ENGINE`, writing dive's export format (layer array, image object).
// FAKE_DIVE_MODE: ok (default) | truncated | crash; FAKE_DIVE_EXPORT: JSON {layer, image} to write. Like dive, it
// opens an existing file for writing WITHOUT truncating it (os.OpenFile with O_CREATE|O_WRONLY), so a shorter export
// leaves the old file's tail behind.

import { closeSync, constants, openSync, writeSync } from "node:fs";
import { die, logCall, parseArgs } from "./cli.mjs";

const argv = process.argv.slice(2);
logCall("dive", argv);
const { flags, positional } = parseArgs(argv, { valued: ["--json", "-j", "--source"], bare: ["--ignore-errors", "-i"] });
if (!flags["--json"] && !flags["-j"]) die("stand-in dive: only the --json export is supported (the TUI needs a terminal)");
if (flags["--source"] !== undefined && !["docker", "podman", "docker-archive"].includes(flags["--source"])) {
  die(`invalid --source ${flags["--source"]}`);
}
if (positional.length !== 1) die(`expected one image argument, got ${positional.length}`);
const mode = process.env.FAKE_DIVE_MODE ?? "ok";
if (mode === "crash") die("cannot fetch image: Error response from daemon: No such image", 1);
const text = JSON.stringify(JSON.parse(process.env.FAKE_DIVE_EXPORT ?? "{}"), null, "  ");
const fd = openSync(flags["--json"] ?? flags["-j"], constants.O_CREAT | constants.O_WRONLY, 0o644);
writeSync(fd, mode === "truncated" ? text.slice(0, Math.floor(text.length / 2)) : text, 0);
closeSync(fd);
console.log(`Image Source: ${flags["--source"] ?? "docker"}://${positional[0]}`);
