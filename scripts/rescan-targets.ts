// Prints the weekly rescan's matrix as JSON: `latest` and the newest stable versions of the Docker Hub image, each
// resolved to its digest now, so every scan (and the issue it may open) names exactly what it scanned.
//   git tag --list 'v*' | npx tsx scripts/rescan-targets.ts [count]
// A tag the registry does not have is reported on stderr and left out; none resolving at all is an error.

import { readFileSync } from "node:fs";

import { IMAGE_NAMES } from "../src/facts.js";
import { RegistryClient } from "../src/oci/client.js";
import { parseReference } from "../src/oci/reference.js";
import { rescanTargets } from "../src/release/rescan.js";

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? "3");
  if (!Number.isInteger(count) || count < 1) throw new Error(`count "${process.argv[2]}" must be a whole number from 1`);
  const tags = readFileSync(0, "utf8").split(/\s+/).filter((t) => t !== "");
  const image = parseReference(IMAGE_NAMES.dockerHub);
  const client = new RegistryClient();
  const include: { tag: string; platform: string; image: string }[] = [];
  const digests = new Map<string, string | undefined>();
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
  if (include.length === 0) throw new Error("no published image to rescan");
  process.stdout.write(`${JSON.stringify({ include })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`rescan-targets: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
