// The pull source's resolution: the configured tag on Docker Hub first, then GHCR, pinned to the digest that
// answered; checked against a configured digest; its cosign signature looked up and verified when cosign is there,
// under the stack's signature policy (keyless by the release workflow, or the user's key).

import { ConfigError } from "../config/errors.js";
import { fullKey } from "../config/schema.js";
import { RegistryClient, type RegistryClientOptions } from "../oci/client.js";
import { execCredentialHelper, readDockerConfig, registryCredential, type CredentialHelper } from "../oci/credentials.js";
import { formatReference } from "../oci/reference.js";
import type { ProgramLog } from "../sandbox/log.js";
import { describePolicy, execCosign, type CosignVerifier } from "./cosign.js";
import type { ImageResolver, PullSettings, ResolvedImage, SignatureStatus } from "./types.js";

export interface ResolverOptions extends Omit<RegistryClientOptions, "credential"> {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly credentialHelper?: CredentialHelper;
  readonly cosign?: CosignVerifier;
}

/** Both registries failed: one error listing each one's failure. */
export class ImageResolutionError extends Error {
  override readonly name = "ImageResolutionError";

  constructor(readonly failures: readonly { readonly reference: string; readonly reason: string }[]) {
    super(`could not resolve the sandbox image on any registry:\n${failures.map((f) => `  - ${f.reference}: ${f.reason}`).join("\n")}`);
  }
}

export function registryResolver(options: ResolverOptions = {}): ImageResolver {
  const env = options.env ?? process.env;
  const client = new RegistryClient({
    ...options,
    credential: async (host) =>
      registryCredential(host, { env, dockerConfig: await readDockerConfig(env), helper: options.credentialHelper ?? execCredentialHelper }),
  });
  const cosign = options.cosign ?? execCosign;

  return async (settings: PullSettings, log: ProgramLog): Promise<ResolvedImage> => {
    const failures: { reference: string; reason: string }[] = [];
    for (const candidate of settings.candidates) {
      const tag = candidate.tag ?? "latest";
      let digest: string;
      try {
        digest = await client.manifestDigest(candidate.registry, candidate.repository, tag);
      } catch (e) {
        failures.push({ reference: formatReference(candidate), reason: (e as Error).message });
        continue;
      }
      if (failures.length > 0) log.warn(`falling back to ${candidate.registry}: ${failures.map((f) => `${f.reference}: ${f.reason}`).join("; ")}`);
      const pinned = `${candidate.name}@${digest}`;
      if (settings.expectedDigest && settings.expectedDigest !== digest) {
        throw new ConfigError(
          fullKey("imageDigest"),
          `digest mismatch: expected ${settings.expectedDigest}, but ${candidate.registry} serves ${digest} for ${formatReference(candidate)}`,
          "the digest the tag resolves to (or empty to follow the tag)",
        );
      }
      log.info(`sandbox image ${formatReference(candidate)} served by ${candidate.registry}: ${pinned}`);
      const signature = await checkSignature(client, cosign, candidate.registry, candidate.repository, digest, pinned, settings, log);
      return { reference: { ...candidate, tag }, digest, registry: candidate.registry, pinned, signature };
    }
    throw new ImageResolutionError(failures);
  };
}

async function checkSignature(
  client: RegistryClient,
  cosign: CosignVerifier,
  host: string,
  repository: string,
  digest: string,
  pinned: string,
  { requireSignature: required, signature: policy }: Pick<PullSettings, "requireSignature" | "signature">,
  log: ProgramLog,
): Promise<SignatureStatus> {
  const requireKey = fullKey("requireSignature");
  const signer = policy.kind === "keyless" ? "the release workflow" : `the key in ${fullKey("signatureKey")}`;
  const lookups = await Promise.allSettled([client.hasSignatureTag(host, repository, digest), client.hasSignatureReferrer(host, repository, digest)]);
  const via = lookups[0].status === "fulfilled" && lookups[0].value ? "tag" : lookups[1].status === "fulfilled" && lookups[1].value ? "referrers" : undefined;
  if (!via) {
    const unknown = lookups.filter((l): l is PromiseRejectedResult => l.status === "rejected").map((l) => (l.reason as Error).message);
    const detail = unknown.length > 0 ? ` (lookup errors: ${unknown.join("; ")})` : "";
    if (required) throw new ConfigError(requireKey, `${pinned} carries no cosign signature${detail}`, `false, or an image signed by ${signer}`);
    log.warn(`${pinned} carries no cosign signature${detail}; set ${requireKey} to true to refuse unsigned images`);
    return { state: "absent" };
  }
  const result = await cosign(pinned, policy);
  if (result.state === "verified") {
    log.info(`cosign verified the signature of ${pinned} (${describePolicy(policy)})`);
    return { state: "verified" };
  }
  if (result.state === "not-installed") {
    if (required) throw new ConfigError(requireKey, `${pinned} has a signature but cosign is not installed to verify it`, "false, or true with cosign on PATH");
    log.warn(`${pinned} has a cosign signature (found via ${via}) but cosign is not installed, so it was not verified`);
    return { state: "present", via };
  }
  const rejected = `cosign verify (${describePolicy(policy)}) rejected ${pinned}: ${result.reason}`;
  if (required) throw new ConfigError(requireKey, rejected, `false, or an image whose signature verifies (signed by ${signer})`);
  log.warn(rejected);
  return { state: "present", via };
}
