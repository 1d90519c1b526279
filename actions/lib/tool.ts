// Installing the tools the actions drive. A tool is either the binary given by `tool-path` (used as is, for
// self-hosted and air-gapped runners) or the pinned release: downloaded, its sha256 checked BEFORE anything is
// extracted or made executable, then kept in the runner's tool cache.

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, copyFile, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import * as core from "@actions/core";
import * as tc from "@actions/tool-cache";
import { checkToolPath } from "./run.js";
import { platformKey, type PlatformKey } from "./platform.js";

export interface ToolAsset {
  /** The release asset's file name. */
  readonly file: string;
  readonly kind: "binary" | "tar.gz";
  /** Lowercase hex sha256 of the asset as downloaded. */
  readonly sha256: string;
}

export interface ToolSpec {
  readonly name: string;
  /** Without a leading `v`. */
  readonly version: string;
  /** The executable's name (inside the archive for `tar.gz`). */
  readonly binary: string;
  /** Where the release's assets are downloaded from. */
  readonly releaseUrl: string;
  readonly assets: Partial<Record<PlatformKey, ToolAsset>>;
}

/**
 * Tests and mirrors only: a base URL that replaces the release URL (`<base>/<tool>/v<version>/<asset>`). The sha256
 * pins still apply, so a mirror can serve only the pinned bytes.
 */
export const MIRROR_ENV = "OPENCODE_CLOUD_TOOL_MIRROR";

export class ChecksumError extends Error {
  override readonly name = "ChecksumError";
}

/** The binary given by `tool-path`, or the pinned release, installed and cached. */
export async function resolveTool(spec: ToolSpec, toolPath: string, inputName = "tool-path"): Promise<string> {
  if (toolPath !== "") {
    await checkToolPath(toolPath, inputName);
    core.info(`Using ${spec.name} from ${inputName}: ${toolPath}`);
    return toolPath;
  }
  return installTool(spec);
}

export async function installTool(spec: ToolSpec, platform: PlatformKey = platformKey()): Promise<string> {
  const asset = spec.assets[platform];
  if (asset === undefined) {
    const pinned = Object.keys(spec.assets).join(", ");
    throw new Error(
      `${spec.name} ${spec.version} has no pinned sha256 for ${platform} (pinned: ${pinned}); refusing to install an ` +
        `unverified binary. Install ${spec.name} yourself and pass its path as tool-path.`,
    );
  }
  const arch = platform.slice(platform.indexOf("-") + 1);
  const cached = tc.find(spec.name, spec.version, arch);
  if (cached !== "") {
    core.info(`${spec.name} ${spec.version} found in the tool cache`);
    return join(cached, spec.binary);
  }

  const url = downloadUrl(spec, asset);
  return core.group(`Install ${spec.name} ${spec.version} (${platform})`, async () => {
    core.info(`Downloading ${url}`);
    const downloaded = await tc.downloadTool(url);
    try {
      const actual = await sha256File(downloaded);
      if (actual !== asset.sha256) {
        throw new ChecksumError(
          `${spec.name} ${spec.version} (${asset.file}): sha256 mismatch, expected ${asset.sha256}, got ${actual}; ` +
            "the download was not extracted or run",
        );
      }
      core.info(`sha256 verified: ${actual}`);
      let dir: string;
      if (asset.kind === "tar.gz") {
        dir = await tc.extractTar(downloaded);
      } else {
        dir = await mkdtemp(join(process.env["RUNNER_TEMP"] ?? "", `${spec.name}-`));
        await copyFile(downloaded, join(dir, spec.binary));
      }
      await chmod(join(dir, spec.binary), 0o755);
      const cachedDir = await tc.cacheDir(dir, spec.name, spec.version, arch);
      return join(cachedDir, spec.binary);
    } finally {
      await rm(downloaded, { force: true });
    }
  });
}

export function downloadUrl(spec: ToolSpec, asset: ToolAsset, env: NodeJS.ProcessEnv = process.env): string {
  const mirror = env[MIRROR_ENV];
  const base = mirror ? `${mirror.replace(/\/+$/, "")}/${spec.name}/v${spec.version}` : spec.releaseUrl;
  return `${base}/${asset.file}`;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
