// Where the rehearsal finds cosign: COSIGN, else the version-keyed tools cache scripts/ci-env/build-tools.sh fills
// (<toolsDir>/cosign/cosign-<pinned version>-<hash>/cosign, the version actions/lib/pins.ts pins).
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

import { COSIGN } from "../../actions/lib/pins.js";
import { CI_ENV } from "../../src/facts.js";

export function findCosign(env: NodeJS.ProcessEnv = process.env): { path: string | undefined; searched: string } {
  if (env["COSIGN"]) return { path: env["COSIGN"], searched: "COSIGN" };
  const dir = join(CI_ENV.toolsDir, "cosign");
  const found = existsSync(dir) ? readdirSync(dir).filter((d) => d.startsWith(`cosign-${COSIGN.version}-`) && !d.endsWith(".part")) : [];
  const path = found.map((d) => join(dir, d, "cosign")).find((p) => existsSync(p));
  return { path, searched: `${dir}/cosign-${COSIGN.version}-*/cosign` };
}
