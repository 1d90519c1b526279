// Is the Docker daemon there? Distinct, actionable messages for "not running" and "permission denied on the socket".

export type DaemonProblem = "not-running" | "permission-denied" | "unreachable" | "ssh-host-key" | "ssh-auth";

export interface DaemonCheck {
  readonly problem: DaemonProblem;
  readonly message: string;
}

/** Where the client connects, as a user would recognise it. */
export function describeEndpoint(host: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  return host ?? env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock";
}

/** The host as ssh and known_hosts name it (`[host]:port` off port 22), and the ssh command that reaches it. */
function sshTarget(endpoint: string): { known: string; command: string } | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  if (url.protocol !== "ssh:") return undefined;
  const port = url.port && url.port !== "22" ? url.port : undefined;
  const user = url.username ? `${decodeURIComponent(url.username)}@` : "";
  return {
    known: port ? `[${url.hostname}]:${port}` : url.hostname,
    command: `ssh${port ? ` -p ${port}` : ""} ${user}${url.hostname}`,
  };
}

const NOTHING_SENT = "ssh stopped before logging in, so nothing reached the engine (no image pull, no registry credentials).";

/**
 * What ssh's own words say went wrong on an `ssh://` Docker host: a host key that does not match known_hosts (or is
 * not known at all, so it cannot be verified), or a login the host refused. Undefined for anything else.
 */
export function sshProblem(text: string, endpoint: string): DaemonCheck | undefined {
  const target = sshTarget(endpoint);
  if (!target) return undefined;
  const host = /Host key for (\S+) has changed/.exec(text)?.[1] ?? /host key is known for (\S+)/.exec(text)?.[1] ?? target.known;
  const fingerprint = /(SHA256:[A-Za-z0-9+/]+)/.exec(text)?.[1];
  const sent = fingerprint ? ` (it presented ${fingerprint})` : "";
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for \S+ has changed/.test(text)) {
    const offending = /Offending \S+ key in (.+?):(\d+)\s*$/m.exec(text);
    const file = offending?.[1] ?? "~/.ssh/known_hosts";
    const where = offending ? ` (${file} line ${offending[2]})` : "";
    return {
      problem: "ssh-host-key",
      message:
        `Refused ${endpoint}: the SSH host key of ${host}${sent} is not the one known_hosts holds for it${where}. ${NOTHING_SENT} ` +
        "Someone may be intercepting the connection, or the host was reinstalled or its key rotated. Check the new key's fingerprint " +
        `with the host's administrator (on the host: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub); only if it matches, remove the old entry ` +
        `with \`ssh-keygen -f "${file}" -R "${host}"\`, connect once with \`${target.command}\` (with the stack's docker:sshOpts) to record it, and run this again.`,
    };
  }
  if (/Host key verification failed|host key is known for/.test(text)) {
    return {
      problem: "ssh-host-key",
      message:
        `Refused ${endpoint}: no SSH host key for ${host} is known, so ssh cannot verify the host${sent}. ${NOTHING_SENT} ` +
        `Connect once with \`${target.command}\` (with the stack's docker:sshOpts), compare the fingerprint it shows with the host's own ` +
        "(on the host: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), accept it, and run this again.",
    };
  }
  if (/Permission denied \(/.test(text)) {
    return {
      problem: "ssh-auth",
      message:
        `${endpoint}: the SSH host refused the login (${/Permission denied \([^)]*\)/.exec(text)![0]}). Check that \`${target.command} docker version\` ` +
        "works with the key the stack's docker:sshOpts (or your ssh config and agent) offers, and that the user may use Docker there.",
    };
  }
  return undefined;
}

/** Turns a connection error (dockerode / node net / ssh) into the problem and what to do about it. */
export function classifyDaemonError(error: unknown, endpoint: string): DaemonCheck {
  const e = error as { code?: string; errno?: string; statusCode?: number; message?: string };
  const code = e.code ?? e.errno ?? "";
  const text = `${code} ${e.message ?? String(error)}`;
  const ssh = sshProblem(text, endpoint);
  if (ssh) return ssh;
  if (code === "EACCES" || code === "EPERM" || /permission denied/i.test(text)) {
    return {
      problem: "permission-denied",
      message:
        `Permission denied on the Docker socket (${endpoint}). Add your user to the docker group ` +
        "(sudo usermod -aG docker $USER, then log in again) or use rootless Docker; running npm as root is not needed.",
    };
  }
  if (code === "ENOENT" || code === "ECONNREFUSED" || /no such file|connect ECONNREFUSED|Is the docker daemon running/i.test(text)) {
    return {
      problem: "not-running",
      message: `The Docker daemon is not running (nothing answers at ${endpoint}). Start Docker (Docker Desktop, or sudo systemctl start docker) and run this again.`,
    };
  }
  return { problem: "unreachable", message: `Cannot reach the Docker daemon at ${endpoint}: ${text.trim()}` };
}
