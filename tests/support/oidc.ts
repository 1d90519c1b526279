// GitHub Actions OIDC tokens for tests, and a loopback stand-in for the token endpoint
// (ACTIONS_ID_TOKEN_REQUEST_URL) that answers `{"value": token}` to a bearer request, as GitHub's does.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { RELEASE_SIGNER } from "../../src/facts.js";

/** A token shaped like GitHub's (unsigned: only the payload is ever read). */
export function githubToken(claims: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "RS256", typ: "JWT" })}.${part({ iss: RELEASE_SIGNER.oidcIssuer, aud: "sigstore", ...claims })}.c2lnbmF0dXJl`;
}

export interface TokenEndpoint {
  readonly url: string;
  readonly requestToken: string;
  /** Audiences asked for, in order. */
  readonly audiences: string[];
  close(): Promise<void>;
}

/** Serves `token` to requests that bring `Authorization: Bearer <requestToken>`. */
export async function tokenEndpoint(token: string): Promise<TokenEndpoint> {
  const requestToken = "runtime-request-token";
  const audiences: string[] = [];
  const server: Server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${requestToken}`) return void res.writeHead(401).end();
    audiences.push(new URL(req.url ?? "/", "http://x").searchParams.get("audience") ?? "");
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ value: token }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/token?api-version=2.0`,
    requestToken,
    audiences,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
