// Registry authentication challenges (RFC 7235 WWW-Authenticate as the distribution token spec uses it).

export interface Challenge {
  readonly scheme: "bearer" | "basic";
  readonly params: Readonly<Record<string, string>>;
}

/** Parses `Bearer realm="https://auth",service="registry",scope="repository:x:pull"`; undefined when unusable. */
export function parseChallenge(header: string | null | undefined): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  if (scheme !== "bearer" && scheme !== "basic") return undefined;
  const params: Record<string, string> = {};
  const re = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/g;
  for (let m = re.exec(match[2]!); m; m = re.exec(match[2]!)) {
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]!;
  }
  if (scheme === "bearer" && !params["realm"]) return undefined;
  return { scheme, params };
}

/** The token endpoint URL for a pull of `repository`. */
export function tokenUrl(challenge: Challenge, repository: string): string {
  const url = new URL(challenge.params["realm"]!);
  if (challenge.params["service"]) url.searchParams.set("service", challenge.params["service"]);
  url.searchParams.set("scope", `repository:${repository}:pull`);
  return url.toString();
}
