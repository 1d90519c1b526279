// Prints the weekly rescan's matrix as JSON: `latest` and the newest stable versions of the published image, each
// resolved to its digest now, so every scan (and the issue it may open) names exactly what it scanned.
//   git tag --list 'v*' | npx tsx scripts/rescan-targets.ts [--count 3] [--image docker.io/prizz/opencode-cloud-sandbox]
// A tag the registry does not have is reported on stderr and left out; none resolving at all is an error.

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { ConfigError } from "../src/config/errors.js";
import { IMAGE_NAMES } from "../src/facts.js";
import { RegistryClient } from "../src/oci/client.js";
import { parseReference } from "../src/oci/reference.js";
import { rescanTargets } from "../src/release/rescan.js";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { count: { type: "string", default: "3" }, image: { type: "string", default: IMAGE_NAMES.dockerHub } },
    strict: true,
  });
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1) throw new ConfigError("--count", `"${values.count}" is not a count`, "a whole number from 1");
  const image = parseReference(values.image);
  const tags = readFileSync(0, "utf8").split(/\s+/).filter((t) => t !== "");
  const client = new RegistryClient();
  const digests = new Map<string, string | undefined>();
  const include: { tag: string; platform: string; image: string }[] = [];
  for (const target of rescanTargets(tags, count)) {
    if (!digests.has(target.tag)) {
      try {
        digests.set(target.tag, await client.manifestDigest(image.registry, image.repository, target.tag));
      } catch (e) {
        process.stderr.write(`${image.name}:${target.tag}: ${(e as Error).message}; not scanned\n`);
        digests.set(target.tag, undefined);
      }
    }
    const digest = digests.get(target.tag);
    if (digest) include.push({ tag: target.tag, platform: target.platform, image: `${image.name}@${digest}` });
  }
  if (include.length === 0) throw new Error(`no published image of ${image.name} to rescan`);
  process.stdout.write(`${JSON.stringify({ include })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`rescan-targets: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
