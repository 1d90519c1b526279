// The tool releases the actions install when no `tool-path` is given: one version per tool, one sha256 per platform.
// A platform without a sha256 here is refused (fail closed); pass `tool-path` there. Where each hash came from is
// written beside it; bump a version together with every one of its hashes.

import type { ToolSpec } from "./tool.js";

/**
 * cosign v3.0.5 (keyless signing with the new bundle format by default).
 * sha256s: sigstore/cosign-installer `action.sh`, `bootstrap_version='v3.0.5'`, `bootstrap_linux_amd64_sha` and
 * `bootstrap_linux_arm64_sha` (the installer verifies its bootstrap cosign against these before anything else).
 */
export const COSIGN: ToolSpec = {
  name: "cosign",
  version: "3.0.5",
  binary: "cosign",
  releaseUrl: "https://github.com/sigstore/cosign/releases/download/v3.0.5",
  assets: {
    "linux-amd64": { file: "cosign-linux-amd64", kind: "binary", sha256: "db15cc99e6e4837daabab023742aaddc3841ce57f193d11b7c3e06c8003642b2" },
    "linux-arm64": { file: "cosign-linux-arm64", kind: "binary", sha256: "d098f3168ae4b3aa70b4ca78947329b953272b487727d1722cb3cb098a1a20ab" },
  },
};

/**
 * trivy v0.69.3: the last release before the 2026 compromise of trivy's release channel (v0.69.4 was the bad one).
 * sha256s: `trivy_0.69.3_checksums.txt` as quoted by several public repositories that pin it (install scripts and
 * Dockerfiles, e.g. one noting "cosign-verified; matches trivy_0.69.3_checksums.txt"); amd64 and arm64 agree across
 * all of them.
 */
export const TRIVY: ToolSpec = {
  name: "trivy",
  version: "0.69.3",
  binary: "trivy",
  releaseUrl: "https://github.com/aquasecurity/trivy/releases/download/v0.69.3",
  assets: {
    "linux-amd64": { file: "trivy_0.69.3_Linux-64bit.tar.gz", kind: "tar.gz", sha256: "1816b632dfe529869c740c0913e36bd1629cb7688bd5634f4a858c1d57c88b75" },
    "linux-arm64": { file: "trivy_0.69.3_Linux-ARM64.tar.gz", kind: "tar.gz", sha256: "7e3924a974e912e57b4a99f65ece7931f8079584dae12eb7845024f97087bdfd" },
  },
};

/**
 * dive v0.13.1. sha256s: `dive_0.13.1_checksums.txt` as quoted by two independent public repositories (a Bazel
 * toolchain's versions table and an install script that checks `sha256sum -c`); they agree.
 */
export const DIVE: ToolSpec = {
  name: "dive",
  version: "0.13.1",
  binary: "dive",
  releaseUrl: "https://github.com/wagoodman/dive/releases/download/v0.13.1",
  assets: {
    "linux-amd64": { file: "dive_0.13.1_linux_amd64.tar.gz", kind: "tar.gz", sha256: "0970549eb4a306f8825a84145a2534153badb4d7dcf3febd1967c706367c3d0e" },
    "linux-arm64": { file: "dive_0.13.1_linux_arm64.tar.gz", kind: "tar.gz", sha256: "2fcd2cf20f634ccdb41efac44048b204bfc867c115641f37a7420693ed480a18" },
  },
};
