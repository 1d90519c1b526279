// Placeholder until the OCI distribution client lands (same session): refuses to resolve.
import type { ImageResolver } from "./types.js";

export function registryResolver(): ImageResolver {
  return async () => {
    throw new Error("the registry resolver is not implemented yet");
  };
}
