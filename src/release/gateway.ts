// What the release program asks the registries before it pushes, behind one small interface so the decisions
// (src/release/publish.ts) stay pure and the program runs under mocks with a fake.

import type { RegistryCredentials, RegistryTarget, ReleaseSettings } from "../config/release.js";
import type { PlatformManifests } from "./publish.js";

export interface RegistryGateway {
  /** Undefined when the registry answers the distribution API for this repository; otherwise what went wrong. */
  check(target: RegistryTarget, credentials: RegistryCredentials | undefined): Promise<string | undefined>;
  /**
   * The platform manifests `target.image:<reference>` (a tag or a digest) stands for: an index's entries by platform
   * (attestation entries left out), or a single manifest under its config's platform. Undefined when it does not exist.
   */
  platformManifests(target: RegistryTarget, reference: string, credentials: RegistryCredentials | undefined): Promise<PlatformManifests | undefined>;
}

/** The gateway over the shared distribution API client (src/oci). */
export function defaultGateway(_settings: ReleaseSettings): RegistryGateway {
  throw new Error("the release registry gateway needs the distribution API client from src/oci, which has not landed yet");
}
