// Image labels (runtime metadata, `docker inspect`) and OCI annotations (registry metadata, on manifests and the
// index) for a published build. Pure: identical inputs give identical maps, so identical builds stay identical; the
// build time is the commit time, never the clock.

import { LABEL_PREFIX } from "../facts.js";

export interface BuildMetadata {
  /** The full commit id. */
  readonly revision: string;
  /** The version (`1.2.3`, `edge`, `pr-7`). */
  readonly version: string;
  /** The branch or tag the build came from. */
  readonly refName: string;
  /** Commit time, seconds since the epoch (SOURCE_DATE_EPOCH). */
  readonly commitEpoch: number;
  /** The repository's web address, e.g. https://github.com/prizz/opencode-cloud. */
  readonly sourceUrl: string;
  /** The CI run that built it. */
  readonly runUrl: string;
  /** What built it, e.g. `pulumi-docker-build/0.0.22`. */
  readonly builder: string;
}

export const IMAGE_TITLE = "opencode-cloud-sandbox";
/** No comma: annotations travel in buildx's comma-separated export options (see `annotations`). */
export const IMAGE_DESCRIPTION = "opencode's web UI in a persistent and secure sandbox with a full toolset";
export const IMAGE_LICENSES = "MIT";

/** Our own keys beside the org.opencontainers.image.* ones. */
export const BUILD_LABELS = {
  runUrl: `${LABEL_PREFIX}.ci-run`,
  branch: `${LABEL_PREFIX}.ref-name`,
  builder: `${LABEL_PREFIX}.builder`,
} as const;

/** `created` as RFC 3339 in UTC, from the commit time. */
export function createdAt(commitEpoch: number): string {
  if (!Number.isSafeInteger(commitEpoch) || commitEpoch < 0) {
    throw new RangeError(`commit time ${commitEpoch} is not whole seconds since the epoch`);
  }
  return new Date(commitEpoch * 1000).toISOString().replace(".000Z", "Z");
}

/** The labels, keys sorted (so the map serialises the same way every time). */
export function imageLabels(meta: BuildMetadata): Record<string, string> {
  return sorted({
    "org.opencontainers.image.title": IMAGE_TITLE,
    "org.opencontainers.image.description": IMAGE_DESCRIPTION,
    "org.opencontainers.image.licenses": IMAGE_LICENSES,
    "org.opencontainers.image.source": meta.sourceUrl,
    "org.opencontainers.image.url": meta.sourceUrl,
    "org.opencontainers.image.revision": meta.revision,
    "org.opencontainers.image.version": meta.version,
    "org.opencontainers.image.created": createdAt(meta.commitEpoch),
    "org.opencontainers.image.ref.name": meta.refName,
    [BUILD_LABELS.runUrl]: meta.runUrl,
    [BUILD_LABELS.branch]: meta.refName,
    [BUILD_LABELS.builder]: meta.builder,
  });
}

/**
 * OCI annotations with buildx's level prefix: `manifest:` (each platform's manifest) or `index:` (a multi-platform
 * build's index). Same keys and values as the labels.
 *
 * docker-build 0.0.22 writes each annotation unquoted into buildx's comma-separated export options
 * (`type=image,annotation.<key>=<value>,...`), so a comma or a double quote in a value breaks the export ("invalid
 * value", found by the first real build). Such a value is refused here, naming the key, rather than mangled.
 */
export function annotations(meta: BuildMetadata, level: "manifest" | "index"): Record<string, string> {
  const labels = imageLabels(meta);
  for (const [key, value] of Object.entries(labels)) {
    if (/[",\r\n]/.test(value)) {
      throw new Error(
        `annotation ${key}: ${JSON.stringify(value)} holds a comma, a double quote or a line break, which buildx's export options cannot carry (docker-build passes them unquoted); use a value without them`,
      );
    }
  }
  return Object.fromEntries(Object.entries(labels).map(([key, value]) => [`${level}:${key}`, value]));
}

function sorted(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
