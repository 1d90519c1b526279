// Where the rehearsal finds cosign: COSIGN, else the cosign scripts/ci-env/build-tools.sh links into CI_ENV.toolsBin
// (built from tools/cosign at the version actions/lib/pins.ts pins; tests/integration/security-tools.test.ts checks
// that this very binary reports that version).
import { existsSync } from "node:fs";
import { join } from "node:path";

import { CI_ENV } from "../../src/facts.js";

export function findCosign(env: NodeJS.ProcessEnv = process.env): { path: string | undefined; searched: string } {
  if (env["COSIGN"]) return { path: env["COSIGN"], searched: "COSIGN" };
  const path = join(CI_ENV.toolsBin, "cosign");
  return { path: existsSync(path) ? path : undefined, searched: path };
}
