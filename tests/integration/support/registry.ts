// Images in the loopback registries scripts/ci-env.sh runs in place of Docker Hub and GHCR: push with the push
// credentials of its settings file, derive a variant (same layers, one more label, its own digest), and name a
// published image's stand-in there. Shared by the registry, Pulumi CLI and real-tool tests.
import type Docker from "dockerode";
import { parseReference } from "../../../src/oci/reference.js";
import type { CiSettings, RegistrySettings } from "./env.js";

/** Where the engine reaches a published name's stand-in: docker.io/prizz/x -> 127.0.0.1:PORT/prizz/x. */
export const standIn = (registry: RegistrySettings, published: string): string => `${registry.address}/${parseReference(published).repository}`;

/** Pushes `image` as `target` with the push credentials; returns the digest the registry stored. */
export async function push(docker: Docker, settings: CiSettings, image: string, target: string, tag: string): Promise<string> {
  await docker.getImage(image).tag({ repo: target, tag });
  const stream = await docker.getImage(`${target}:${tag}`).push({
    authconfig: { username: settings.pushUser, password: settings.pushPassword, serveraddress: target.split("/")[0] },
  });
  const events = await new Promise<{ error?: string; aux?: { Digest?: string } }[]>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string; aux?: { Digest?: string } }[]) => (err ? reject(err) : resolve(out))),
  );
  const failed = events.find((e) => e.error);
  if (failed) throw new Error(`push ${target}:${tag}: ${failed.error}`);
  const digest = events.find((e) => e.aux?.Digest)?.aux?.Digest;
  if (!digest) throw new Error(`push ${target}:${tag} reported no digest`);
  return digest;
}

/** An image derived from the base with one label: same layers, its own digest. */
export async function variant(docker: Docker, base: string, label: string): Promise<string> {
  const c = await docker.createContainer({ Image: base, Cmd: ["true"] });
  const { Id } = (await c.commit({ changes: `LABEL dev.opencode-cloud.test="${label}"` })) as { Id: string };
  await c.remove();
  return Id;
}
