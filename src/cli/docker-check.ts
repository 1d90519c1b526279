// Is the Docker daemon there? Distinct, actionable messages for "not running" and "permission denied on the socket".

export type DaemonProblem = "not-running" | "permission-denied" | "unreachable";

export interface DaemonCheck {
  readonly problem: DaemonProblem;
  readonly message: string;
}

/** Where the client connects, as a user would recognise it. */
export function describeEndpoint(host: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  return host ?? env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock";
}

/** Turns a connection error (dockerode / node net) into the problem and what to do about it. */
export function classifyDaemonError(error: unknown, endpoint: string): DaemonCheck {
  const e = error as { code?: string; errno?: string; statusCode?: number; message?: string };
  const code = e.code ?? e.errno ?? "";
  const text = `${code} ${e.message ?? String(error)}`;
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
