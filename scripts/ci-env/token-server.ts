// A small bearer-token endpoint for the loopback registries, shaped like Docker Hub's and GHCR's:
//   GET /token?service=S&scope=repository:NAME:pull,push
// Anonymous callers get pull tokens; callers with the push credentials (HTTP basic) get what they ask for.
// Tokens are RS256 JWTs carrying the signing certificate in `x5c`; each registry trusts that certificate through
// `auth.token.rootcertbundle`, and checks `iss` (issuer) and `aud` (its own service name).
//
// Usage: tsx scripts/ci-env/token-server.ts PORT KEY.pem CERT.pem ISSUER USER PASSWORD-FILE
import { createPrivateKey, createSign, randomUUID, timingSafeEqual, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

const [portArg, keyFile, certFile, issuer, user, passwordFile] = process.argv.slice(2);
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

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://token.local");
  if (url.pathname === "/healthz") {
    res.writeHead(200).end("ok");
    return;
  }
  if (url.pathname !== "/token") {
    res.writeHead(404).end();
    return;
  }
  const service = url.searchParams.get("service") ?? "";
  const hasCreds = req.headers.authorization !== undefined;
  const ok = authenticated(req.headers.authorization);
  if (hasCreds && !ok) {
    res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ details: "incorrect username or password" }));
    return;
  }
  const access = url.searchParams
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
