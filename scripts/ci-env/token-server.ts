// A small bearer-token endpoint for the loopback registries, shaped like Docker Hub's and GHCR's:
//   GET /token?service=S&scope=repository:NAME:pull,push
//   POST /token (form: grant_type=password, username, password, service, scope): the OAuth2 form BuildKit and
//   containerd send when they hold credentials (Docker Hub's endpoint accepts it; without it their pushes got an
//   empty token and a 401 from the registry)
// Anonymous callers get pull tokens; callers with the push credentials (HTTP basic) get what they ask for.
// Tokens are RS256 JWTs carrying the signing certificate in `x5c`; each registry trusts that certificate through
// `auth.token.rootcertbundle`, and checks `iss` (issuer) and `aud` (its own service name).
//
// Usage: tsx scripts/ci-env/token-server.ts PORT KEY.pem CERT.pem ISSUER USER PASSWORD-FILE [CODE-HASH]
// (/healthz answers "ok CODE-HASH", so scripts/ci-env.sh can tell a server running older code)
import { createPrivateKey, createSign, randomUUID, timingSafeEqual, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

const [portArg, keyFile, certFile, issuer, user, passwordFile, codeHash = ""] = process.argv.slice(2);
if (!portArg || !keyFile || !certFile || !issuer || !user || !passwordFile) {
  console.error("usage: token-server.ts PORT KEY.pem CERT.pem ISSUER USER PASSWORD-FILE");
  process.exit(2);
}
const key = createPrivateKey(readFileSync(keyFile));
const certDer = new X509Certificate(readFileSync(certFile)).raw.toString("base64");
const password = readFileSync(passwordFile, "utf8").trim();
const TTL_SECONDS = 300;

interface Access {
  type: string;
  name: string;
  actions: string[];
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString("base64url");

/** `repository:prizz/x:pull,push` -> Access; names may contain ':' only in the middle part's registry port, never here. */
function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(":");
  const last = scope.lastIndexOf(":");
  if (first < 0 || last === first) return undefined;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope.slice(last + 1).split(",").filter(Boolean),
  };
}

function authenticated(header: string | undefined): boolean {
  if (!header?.startsWith("Basic ")) return false;
  const given = Buffer.from(Buffer.from(header.slice(6), "base64").toString("utf8"));
  const wanted = Buffer.from(`${user}:${password}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

function sign(service: string, subject: string, access: Access[]): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: "JWT", alg: "RS256", x5c: [certDer] };
  const claims = { iss: issuer, sub: subject, aud: service, exp: now + TTL_SECONDS, nbf: now - 10, iat: now, jti: randomUUID(), access };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = createSign("RSA-SHA256").update(input).sign(key);
  return `${input}.${b64url(signature)}`;
}

/** A POST's form as query parameters, its username/password as the Basic header GET callers send. */
async function oauthForm(req: import("node:http").IncomingMessage): Promise<{ params: URLSearchParams; authorization: string | undefined }> {
  let body = "";
  for await (const chunk of req) body += (chunk as Buffer).toString("utf8");
  const params = new URLSearchParams(body);
  const username = params.get("username");
  const secret = params.get("password");
  const authorization = params.get("grant_type") === "password" && username !== null && secret !== null ? `Basic ${Buffer.from(`${username}:${secret}`).toString("base64")}` : undefined;
  return { params, authorization };
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", "http://token.local");
  if (url.pathname === "/healthz") {
    res.writeHead(200).end(`ok ${codeHash}`.trim());
    return;
  }
  if (url.pathname !== "/token") {
    res.writeHead(404).end();
    return;
  }
  const form = req.method === "POST" ? await oauthForm(req) : undefined;
  const params = form?.params ?? url.searchParams;
  const authorization = form ? form.authorization : req.headers.authorization;
  const service = params.get("service") ?? "";
  const hasCreds = authorization !== undefined;
  const ok = authenticated(authorization);
  if (hasCreds && !ok) {
    res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ details: "incorrect username or password" }));
    return;
  }
  const access = params
    .getAll("scope")
    .flatMap((s) => s.split(" "))
    .map(parseScope)
    .filter((a): a is Access => a !== undefined)
    .map((a) => (ok ? a : { ...a, actions: a.actions.filter((x) => x === "pull") }));
  const token = sign(service, ok ? user : "", access);
  res
    .writeHead(200, { "content-type": "application/json" })
    .end(JSON.stringify({ token, access_token: token, expires_in: TTL_SECONDS, issued_at: new Date().toISOString() }));
});

server.listen(Number(portArg), "127.0.0.1", () => console.log(`token server on 127.0.0.1:${portArg}`));
