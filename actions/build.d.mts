// Types for actions/build.mjs, for the tests that import it.
import type { Plugin } from "esbuild";

export const ACTIONS: readonly string[];
export const ROOT: string;
export const lazyUndici: Plugin;
export function bundle(name: string): Promise<Uint8Array>;
export function distPath(name: string): string;
