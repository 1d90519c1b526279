// Where a registry host's API lives. Docker Hub's API host differs from its name; loopback registries speak plain
// HTTP; tests and the real-engine tier point hosts at loopback stand-ins through overrides.

import { isIP } from "node:net";
import { DOCKER_HUB } from "./reference.js";

/** Host (as in image references) -> base URL, e.g. `{ "docker.io": "http://127.0.0.1:5051" }`. */
export type EndpointOverrides = Readonly<Record<string, string>>;

const DOCKER_HUB_API = "https://registry-1.docker.io";

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}

/** Whether a registry address (`host`, `host:port`, `[v6]:port`) names a loopback host. */
export function isLoopbackAddress(address: string): boolean {
  return isLoopbackHost(address.startsWith("[") ? address.slice(0, address.indexOf("]") + 1) : address.split(":")[0]!);
}

/** Base URL for a registry host; throws when an override would send credentials over plain HTTP off loopback. */
export function registryBaseUrl(host: string, overrides: EndpointOverrides = {}): string {
  const override = overrides[host];
  if (override !== undefined) {
    const url = new URL(override);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
      throw new Error(`registry endpoint ${override} for ${host}: only https, or http on a loopback address, is allowed`);
    }
    return override.replace(/\/+$/, "");
  }
  if (host === DOCKER_HUB) return DOCKER_HUB_API;
  return `${isLoopbackAddress(host) ? "http" : "https"}://${host}`;
}
