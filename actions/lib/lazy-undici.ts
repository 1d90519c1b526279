// Bundles only (actions/build.mjs points @actions/http-client's `import { ProxyAgent } from "undici"` here).
// http-client needs undici for one thing, a ProxyAgent when a proxy is configured, yet evaluating all of undici at
// start cost about 100 ms of every action's cold start. The real undici is still bundled and loads on first use.

import type { ProxyAgent as RealProxyAgent } from "undici";

type ProxyAgentClass = typeof RealProxyAgent;

let real: ProxyAgentClass | undefined;

function load(): ProxyAgentClass {
  real ??= (require("undici") as { ProxyAgent: ProxyAgentClass }).ProxyAgent;
  return real;
}

/** Constructs undici's ProxyAgent, loading undici on the first call. */
export const ProxyAgent = function ProxyAgent(...args: ConstructorParameters<ProxyAgentClass>) {
  const Agent = load();
  return new Agent(...args);
} as unknown as ProxyAgentClass;
