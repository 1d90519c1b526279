// The runner platform as release assets name it. Pure.

export type PlatformKey = `${string}-${string}`;

/** `linux-amd64`, `linux-arm64`, ... from Node's `process.platform` and `process.arch`. */
export function platformKey(platform: string = process.platform, arch: string = process.arch): PlatformKey {
  const goArch: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386" };
  const goOs: Record<string, string> = { win32: "windows" };
  return `${goOs[platform] ?? platform}-${goArch[arch] ?? arch}`;
}
