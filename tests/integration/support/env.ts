// The real-engine tier's environment: the Docker engine, the loopback registries and the test-local image that
// scripts/ci-env.sh sets up, and the settings file it writes. Under CI=true a missing piece is a failure (the
// importing test file throws); elsewhere the tier is skipped with the reason printed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Docker from "dockerode";
import { describe, it } from "vitest";
import { CI_ENV, TEST_LOCAL_IMAGE } from "../../../src/facts.js";

export interface RegistrySettings {
  /** http://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT, as the engine names the registry in image references. */
  address: string;
  service: string;
}

/** What scripts/ci-env.sh writes to CI_ENV.dir/CI_ENV.settingsFile. */
export interface CiSettings {
  tokenRealm: string;
  pushUser: string;
  pushPassword: string;
  registries: { dockerHub: RegistrySettings; ghcr: RegistrySettings };
  baseImage: string;
  testLocalImage: string;
}

export interface RealEngine {
  docker: Docker;
  settings: CiSettings;
  /** The test-local sandbox image's ID (what the program's `image` input is replaced by); the base's without it. */
  imageId: string;
}

export const SETTINGS_FILE = join(CI_ENV.dir, CI_ENV.settingsFile);
/**
 * The sandbox image the tier runs: TEST_LOCAL_IMAGE (what scripts/ci-env.sh builds), or another tag of the same
 * build named in OPENCODE_CLOUD_TEST_IMAGE (a developer testing their image/ changes beside a shared engine's).
 */
export const TEST_IMAGE = process.env.OPENCODE_CLOUD_TEST_IMAGE || TEST_LOCAL_IMAGE;
export const inCI = process.env.CI === "true";

async function probe(needsSandbox: boolean): Promise<RealEngine | string> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (e) {
    return `no Docker engine answers (${(e as Error).message}); run scripts/ci-env.sh`;
  }
  let settings: CiSettings;
  try {
    settings = JSON.parse(readFileSync(SETTINGS_FILE, "utf8")) as CiSettings;
  } catch (e) {
    return `${SETTINGS_FILE} is unreadable (${(e as Error).message}); run scripts/ci-env.sh`;
  }
  try {
    const image = await docker.getImage(needsSandbox ? TEST_IMAGE : settings.baseImage).inspect();
    return { docker, settings, imageId: image.Id };
  } catch {
    return `${needsSandbox ? TEST_IMAGE : settings.baseImage} is not built; run scripts/ci-env.sh`;
  }
}

/**
 * The engine, or undefined (outside CI only) when it is missing; under CI=true throws instead.
 * `needsSandbox: false` for tests that need only the registries and the base image.
 */
export async function realEngine(needsSandbox = true): Promise<RealEngine | undefined> {
  const found = await probe(needsSandbox);
  if (typeof found !== "string") return found;
  if (inCI) throw new Error(`real-engine tier under CI=true: ${found}`);
  console.warn(`real-engine tier skipped: ${found}`);
  return undefined;
}

/** describe() with the engine in hand; without one (outside CI) a skipped suite saying why. */
export function describeOn<E extends RealEngine>(engine: E | undefined, name: string, body: (engine: E) => void): void {
  if (engine) describe(name, () => body(engine));
  else describe.skip(name, () => it("needs the real engine (scripts/ci-env.sh)", () => undefined));
}
