// Old sandbox images do not pile up on the Docker host: after a successful `npm run up`, every sandbox image that no
// container uses (running or stopped, any stack's) and that is not the one just deployed is removed. Pure choice of
// what to remove, and a thin edge that removes it.

import type Docker from "dockerode";
import { IMAGE_LABELS } from "../facts.js";
import { InvalidReferenceError, parseReference } from "../oci/reference.js";

/** What the engine lists per image (the fields this module reads). */
export interface ListedImage {
  readonly Id: string;
  readonly RepoTags?: readonly string[] | null;
  readonly RepoDigests?: readonly string[] | null;
  readonly Labels?: Readonly<Record<string, string>> | null;
  readonly Size?: number;
}

const repositoryOf = (reference: string): string | undefined => {
  try {
    return parseReference(reference).name;
  } catch (e) {
    if (e instanceof InvalidReferenceError) return undefined;
    throw e;
  }
};

/**
 * Images to remove: sandbox images (named after one of `repositories`, or untagged and carrying the sandbox's own
 * label, as an earlier local build is) that no container uses and that are not `keep`.
 */
export function prunable(images: readonly ListedImage[], usedImageIds: ReadonlySet<string>, keep: string, repositories: readonly string[]): ListedImage[] {
  const ours = new Set(repositories.map(repositoryOf).filter((r): r is string => r !== undefined));
  return images.filter((image) => {
    if (image.Id === keep || usedImageIds.has(image.Id)) return false;
    const names = [...(image.RepoTags ?? []), ...(image.RepoDigests ?? [])].filter((n) => n !== "<none>:<none>" && n !== "<none>@<none>");
    if (names.length === 0) return image.Labels?.[IMAGE_LABELS.toolset] !== undefined;
    return names.some((n) => ours.has(repositoryOf(n) ?? ""));
  });
}

/** Removes the prunable images; returns what was removed (an image another process just started using stays). */
export async function pruneImages(docker: Docker, keep: string, repositories: readonly string[]): Promise<ListedImage[]> {
  const [images, containers] = await Promise.all([docker.listImages({ all: false }), docker.listContainers({ all: true })]);
  const used = new Set(containers.map((c) => c.ImageID));
  const removed: ListedImage[] = [];
  for (const image of prunable(images as ListedImage[], used, keep, repositories)) {
    try {
      await docker.getImage(image.Id).remove({ force: false, noprune: false });
      removed.push(image);
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 409 && (e as { statusCode?: number }).statusCode !== 404) throw e;
    }
  }
  return removed;
}
