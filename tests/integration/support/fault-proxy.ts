// A tiny HTTP proxy in front of a loopback registry that can answer the next requests with faults (500, 429 with
// Retry-After) before passing traffic through again, or be closed to play a stopped registry. It records every
// request it saw, with the time and the status it answered.
import { createServer, request, type Server } from "node:http";

export interface Fault {
  status: number;
  headers?: Record<string, string>;
}

export interface Seen {
  at: number;
  method: string;
  path: string;
  status: number;
}

export class FaultProxy {
  readonly seen: Seen[] = [];
  private readonly faults: Fault[] = [];
  private server: Server | undefined;
  port = 0;

  constructor(private readonly upstream: string) {}

  /** Answers the next `count` requests with `fault`, then passes through again. */
  failNext(count: number, fault: Fault): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const upstream = new URL(this.upstream);
    this.server = createServer((req, res) => {
      const fault = this.faults.shift();
      const record = (status: number) => this.seen.push({ at: Date.now(), method: req.method ?? "", path: req.url ?? "", status });
      if (fault) {
        record(fault.status);
        res.writeHead(fault.status, { "content-type": "application/json", ...fault.headers });
        res.end(JSON.stringify({ errors: [{ code: "UNAVAILABLE", message: "injected fault" }] }));
        return;
      }
      const out = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
        (up) => {
          record(up.statusCode ?? 0);
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      out.on("error", (e) => {
        record(502);
        res.writeHead(502).end(e.message);
      });
      req.pipe(out);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Stops listening (connections are refused), keeping the port for a later start(). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
