import { describe, expect, it } from "vitest";
import { sandboxTunnel, sandboxUrl } from "../../../src/sandbox/url.js";

describe("sandboxUrl", () => {
  it.each([
    ["127.0.0.1", 3000, undefined, "http://127.0.0.1:3000"],
    ["0.0.0.0", 8080, undefined, "http://localhost:8080"],
    ["0.0.0.0", 3000, "ssh://me@box.example:2222", "http://box.example:3000"],
    ["0.0.0.0", 3000, "tcp://10.0.0.5:2376", "http://10.0.0.5:3000"],
    ["::1", 3000, undefined, "http://[::1]:3000"],
    ["192.168.1.9", 3000, "ssh://me@box", "http://192.168.1.9:3000"],
  ])("%s:%s on %s -> %s", (bind, port, host, url) => expect(sandboxUrl(bind, port, host)).toBe(url));
});

describe("sandboxTunnel", () => {
  it.each([
    ["127.0.0.1", 3000, undefined, ""],
    ["127.0.0.1", 3000, "ssh://me@box", "ssh -N -L 3000:127.0.0.1:3000 me@box"],
    ["127.0.0.1", 3001, "ssh://box:2222", "ssh -N -p 2222 -L 3001:127.0.0.1:3001 box"],
    ["0.0.0.0", 3000, "ssh://me@box", ""],
    ["127.0.0.1", 3000, "tcp://box:2376", ""],
  ])("%s:%s on %s -> %s", (bind, port, host, cmd) => expect(sandboxTunnel(bind, port, host)).toBe(cmd));
});
