// Stand-in docker CLI for the smoke test's unit tier: run, inspect, port, exec, logs, rm with the flags smoke-test
// uses. The "container" answers on FAKE_DOCKER_PORT (a loopback server the test runs). FAKE_DOCKER_HEALTH is the
// sequence of health states inspect reports (comma-separated; the last repeats; "exited" means the process died);
// FAKE_DOCKER_SELFTEST is the self-test output and FAKE_DOCKER_SELFTEST_CODE its exit code.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { die, logCall, parseArgs } from "./cli.mjs";

const [command, ...rest] = process.argv.slice(2);
logCall("docker", process.argv.slice(2));
const ID = "c0ffee".padEnd(64, "0");
const counter = `${process.env.FAKE_LOG}.inspects`;

switch (command) {
  case "run": {
    const { flags, positional } = parseArgs(rest, {
      valued: ["--name", "--label", "--publish", "-p", "--platform", "--env", "-e"],
      bare: ["--detach", "-d"],
    });
    if (!flags["--detach"] && !flags["-d"]) die("stand-in docker: run needs --detach");
    if (positional.length !== 1) die("docker: 'docker run' requires at least 1 argument");
    if (process.env.FAKE_DOCKER_RUN_FAIL) die(`Unable to find image '${positional[0]}' locally`, 125);
    console.log(ID);
    break;
  }
  case "inspect": {
    const { flags, positional } = parseArgs(rest, { valued: ["--format", "-f"] });
    if (positional[0] !== ID || flags["--format"] !== "{{json .State}}") die("stand-in docker: unexpected inspect");
    const n = existsSync(counter) ? Number(readFileSync(counter, "utf8")) : 0;
    writeFileSync(counter, String(n + 1));
    const seq = (process.env.FAKE_DOCKER_HEALTH ?? "healthy").split(",");
    const now = seq[Math.min(n, seq.length - 1)];
    const state =
      now === "exited"
        ? { Status: "exited", Running: false, ExitCode: 1 }
        : now === "none"
          ? { Status: "running", Running: true, ExitCode: 0 }
          : { Status: "running", Running: true, ExitCode: 0, Health: { Status: now, FailingStreak: 0, Log: [] } };
    console.log(JSON.stringify(state));
    break;
  }
  case "port":
    if (rest[0] !== ID || !/^\d+\/tcp$/.test(rest[1] ?? "")) die("stand-in docker: usage port ID PORT/tcp");
    console.log(`127.0.0.1:${process.env.FAKE_DOCKER_PORT}`);
    break;
  case "exec":
    if (rest[0] !== ID || rest.length !== 2) die("stand-in docker: usage exec ID COMMAND");
    process.stdout.write(process.env.FAKE_DOCKER_SELFTEST ?? "");
    process.exit(Number(process.env.FAKE_DOCKER_SELFTEST_CODE ?? 0));
    break;
  case "logs": {
    const { positional } = parseArgs(rest, { valued: ["--tail"] });
    if (positional[0] !== ID) die("Error: No such container");
    console.log("opencode web listening (stand-in container log line)");
    break;
  }
  case "rm": {
    const { positional } = parseArgs(rest, { bare: ["--force", "-f", "--volumes", "-v"] });
    if (positional[0] !== ID) die("Error: No such container");
    console.log(ID);
    break;
  }
  default:
    die(`docker: '${command}' is not a docker command.`);
}
