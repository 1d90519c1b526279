// The front door of the loopback registries and their token server: one TCP port each that speaks both plain HTTP
// and TLS, as clients expect of them. The servers behind it (distribution's registry, token-server.ts) speak plain
// HTTP on inner ports, while:
//   - most clients here use plain HTTP for a loopback registry (the program, BuildKit with `http = true`, dockerd),
//   - docker-build's Index reads each tag back with regclient, which speaks TLS to any host whose login lacks an
//     `http://` scheme, and docker-build strips that scheme (the release's merge step failed on it: "server gave
//     HTTP response to HTTPS client"), as Docker Hub and GHCR are always reached over TLS; and regclient refuses a
//     token endpoint over plain HTTP for a registry it reached over TLS.
// The first byte of a connection decides: anything but 0x16 (a TLS handshake) is piped to the inner port as is; a
// TLS connection goes to an HTTPS proxy of the same port (certificate signed by the test CA that scripts/ci-env.sh
// puts into the system's trust store), which rewrites a bearer challenge's loopback realm to https, so a TLS client
// fetches its token over TLS too, as from Docker Hub.
//
// Usage: tsx scripts/ci-env/registry-front.ts KEY.pem CERT.pem PUBLIC_PORT=INNER_PORT...
import { readFileSync } from "node:fs";
import { request, type IncomingHttpHeaders } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { connect, createServer, type Socket } from "node:net";

const HOST = "127.0.0.1";
const TLS_HANDSHAKE = 0x16;

const [keyFile, certFile, ...mappings] = process.argv.slice(2);
if (!keyFile || !certFile || mappings.length === 0) {
  console.error("usage: registry-front.ts KEY.pem CERT.pem PUBLIC_PORT=INNER_PORT...");
  process.exit(2);
}
const tls = { key: readFileSync(keyFile), cert: readFileSync(certFile) };

/** Both directions, each side closed when the other ends or fails. */
function splice(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  a.on("error", () => b.destroy());
  b.on("error", () => a.destroy());
}

/** A bearer challenge's loopback realm, as a client that came over TLS must be sent: over TLS. */
function overTls(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const challenge = headers["www-authenticate"];
  if (typeof challenge !== "string") return headers;
  return { ...headers, "www-authenticate": challenge.replace(`realm="http://${HOST}:`, `realm="https://${HOST}:`) };
}

for (const mapping of mappings) {
  const [publicPort, innerPort] = mapping.split("=").map(Number);
  if (!publicPort || !innerPort) {
    console.error(`mapping ${JSON.stringify(mapping)}: expected PUBLIC_PORT=INNER_PORT`);
    process.exit(2);
  }
  // TLS ends in an HTTPS proxy of its own on an ephemeral loopback port: the first chunk, already read from the raw
  // socket, is written to it as is (a TLS socket cannot take back bytes read from the socket it wraps).
  const proxy = createHttpsServer(tls, (req, res) => {
    const upstream = request({ host: HOST, port: innerPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, overTls(answer.headers));
      answer.pipe(res);
    });
    upstream.on("error", (err) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(`front: ${err.message}`);
    });
    req.pipe(upstream);
  });
  proxy.on("tlsClientError", (err) => console.error(`:${publicPort} TLS: ${err.message}`));
  proxy.listen(0, HOST);
  createServer((socket) => {
    socket.once("data", (first: Buffer) => {
      const address = proxy.address();
      const next = first[0] === TLS_HANDSHAKE && typeof address === "object" && address ? connect(address.port, HOST) : connect(innerPort, HOST);
      next.write(first);
      splice(socket, next);
    });
    socket.on("error", () => socket.destroy());
  })
    .on("error", (err) => {
      console.error(`:${publicPort}: ${err.message}`);
      process.exit(1);
    })
    .listen(publicPort, HOST, () => console.log(`front ${HOST}:${publicPort} -> ${HOST}:${innerPort} (plain HTTP, and TLS through an HTTPS proxy)`));
}
