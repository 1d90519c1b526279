// Writes a release's notes (Keep a Changelog) to stdout: the digests published per registry and per platform and the
// tool-manifest changes since the previous release. The publish workflow's release-notes job runs it:
//   npx tsx scripts/release-notes.ts --version v1.2.3 --date 2026-11-24 \
//     --manifest image/tools.json --previous-manifest previous-tools.json [--previous-version v1.2.2] \
//     --platform-digests platform-digests.json --published published.txt [--repository-url https://github.com/o/r]
// Every file is read and checked here; a bad one stops with a message naming the option and what it accepts.

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { ConfigError } from "../src/config/errors.js";
import { diffToolManifests, parseToolManifest } from "../src/image/manifest.js";
import { isDigest } from "../src/oci/reference.js";
import { PLATFORM_DIGESTS_ENV, parsePlatformDigests } from "../src/release/context.js";
import { releaseNotes } from "../src/release/notes.js";

const OPTIONS = {
  version: { type: "string" },
  date: { type: "string" },
  manifest: { type: "string" },
  "previous-manifest": { type: "string" },
  "previous-version": { type: "string", default: "" },
  "platform-digests": { type: "string" },
  published: { type: "string" },
  "repository-url": { type: "string", default: "" },
} as const;

function main(argv: readonly string[], env: NodeJS.ProcessEnv): string {
  const { values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true });
  const need = (name: keyof typeof OPTIONS, allowed: string): string => {
    const value = values[name];
    if (typeof value !== "string" || value === "") throw new ConfigError(`--${name}`, "is missing", allowed);
    return value;
  };
  const version = need("version", "the release tag, vX.Y.Z[-PRERELEASE]");
  const date = need("date", "the release date, YYYY-MM-DD");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new ConfigError("--date", `"${date}" is not a date`, "YYYY-MM-DD");
  const manifest = parseToolManifest(readFileSync(need("manifest", "the image's tools.json"), "utf8"), "--manifest");
  const previous = parseToolManifest(readFileSync(need("previous-manifest", "the previous release's tools.json"), "utf8"), "--previous-manifest");
  let platformDigests;
  try {
    platformDigests = parsePlatformDigests(readFileSync(need("platform-digests", "the build jobs' digests as JSON"), "utf8"));
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError("--platform-digests", e.problem.replace(PLATFORM_DIGESTS_ENV, "the file"), e.allowed);
    throw e;
  }
  const published = readFileSync(need("published", "a file with image@sha256:... per line"), "utf8").split("\n").map((l) => l.trim()).filter((l) => l !== "");
  for (const ref of published) {
    const at = ref.lastIndexOf("@");
    if (at <= 0 || !isDigest(ref.slice(at + 1))) throw new ConfigError("--published", `"${ref}" is not image@digest`, "one image@sha256:<64 hex> per line");
  }
  if (published.length === 0) throw new ConfigError("--published", "lists no image", "one image@sha256:<64 hex> per line");
  const repositoryUrl = values["repository-url"] || (env["GITHUB_SERVER_URL"] && env["GITHUB_REPOSITORY"] ? `${env["GITHUB_SERVER_URL"]}/${env["GITHUB_REPOSITORY"]}` : "");
  return releaseNotes({
    version,
    date,
    published,
    platformDigests,
    tools: diffToolManifests(previous, manifest),
    ...(values["previous-version"] ? { previousTag: values["previous-version"] } : {}),
    ...(repositoryUrl ? { repositoryUrl } : {}),
  });
}

try {
  process.stdout.write(main(process.argv.slice(2), process.env));
} catch (e) {
  process.stderr.write(`release-notes: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
