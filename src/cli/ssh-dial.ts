// The Docker API over SSH the way the docker CLI and the stack's docker provider reach an `ssh://` host: the system
// `ssh` runs `docker system dial-stdio` on the host and its stdin/stdout carry the HTTP connection. Using the system
// ssh (not an in-process SSH library) means the stack's `docker:sshOpts`, ~/.ssh/config, known_hosts, keys and
// ProxyJump apply exactly as they do for `pulumi up`.

import { spawn } from "node:child_process";
import { Agent } from "node:http";
import { Duplex } from "node:stream";

/** Pure: the ssh command line for an `ssh://[user@]host[:port]` Docker host and the stack's extra ssh options. */
export function sshDialArgs(host: string, sshOpts: readonly string[] = []): string[] {
  const url = new URL(host);
  if (url.protocol !== "ssh:") throw new Error(`docker:host ${host} is not an ssh:// URL`);
  const target = `${url.username ? `${decodeURIComponent(url.username)}@` : ""}${url.hostname}`;
  return [...sshOpts, ...(url.port ? ["-p", url.port] : []), "-T", "--", target, "docker", "system", "dial-stdio"];
}

/** An http.Agent whose every connection is a fresh `ssh ... docker system dial-stdio`. */
export class SshDialAgent extends Agent {
  constructor(
    private readonly args: readonly string[],
    private readonly command = "ssh",
  ) {
    super({ keepAlive: false });
  }

  override createConnection(): Duplex {
    const child = spawn(this.command, [...this.args], { stdio: ["pipe", "pipe", "pipe"] });
    const stderr: Buffer[] = [];
    child.stderr.on("data", (c: Buffer) => stderr.push(c));
    // Writes to an ssh that has died fail with EPIPE; what ssh said on stderr is the error worth reporting, once it exits.
    child.stdin.on("error", () => undefined);
    const socket = new Duplex({
      write: (chunk: Buffer, _encoding, done) => void child.stdin.write(chunk, () => done()),
      final: (done) => (child.stdin.end(), done()),
      read: () => void child.stdout.resume(),
    }) as Duplex & Record<string, unknown>;
    child.stdout.on("data", (c: Buffer) => {
      if (!socket.push(c)) child.stdout.pause();
    });
    // The connection ends when ssh has exited and its output is read: cleanly, or with what ssh said.
    child.once("close", (code) => {
      if (code === 0 || code === null) socket.push(null);
      else socket.destroy(new Error(`ssh exited with ${code}: ${Buffer.concat(stderr).toString().trim()}`));
    });
    child.once("error", (e) => socket.destroy(new Error(`${this.command}: ${e.message}`)));
    // What http's client calls on a socket; a pipe has nothing to tune.
    for (const name of ["setTimeout", "setNoDelay", "setKeepAlive", "ref", "unref"]) socket[name] = () => socket;
    socket.once("close", () => child.kill());
    return socket;
  }
}
