// Every bad config value the settings module must refuse, with the exact message it produces. Shared by the unit
// tests and tests/support/print-bad-inputs.ts (which prints the table for the closing note).

import { join } from "node:path";
import { PROJECT_DIR, type ConfigValue } from "./program.js";

export interface BadInput {
  readonly what: string;
  readonly stackFile: "dev" | "remote";
  readonly overrides: Readonly<Record<string, ConfigValue | null>>;
  readonly message: string;
}

const DIGITS = "an integer from 1 to 65535";
const SET_PASSWORD = 'pulumi config set --secret opencode-cloud:password "$(openssl rand -base64 24)" (or run npm run up, which generates one)';
const PASSWORD_ALLOWED = `a secret of 16 or more characters without control characters: ${SET_PASSWORD}`;
const NAME = "2 or more of [a-zA-Z0-9_.-], starting with a letter or digit";
const SIGNATURE_KEY = "a PEM public key file (relative to the project directory, or absolute) or a key URI (awskms://, gcpkms://, azurekms://, hashivault://, k8s://)";

export const BAD_INPUTS: readonly BadInput[] = [
  { what: "port not a number", stackFile: "dev", overrides: { "opencode-cloud:port": "http" }, message: `opencode-cloud:port: "http" is not a number. Allowed: ${DIGITS}.` },
  { what: "port out of range", stackFile: "dev", overrides: { "opencode-cloud:port": 70000 }, message: `opencode-cloud:port: 70000 is out of range. Allowed: ${DIGITS}.` },
  { what: "port zero", stackFile: "dev", overrides: { "opencode-cloud:port": 0 }, message: `opencode-cloud:port: 0 is out of range. Allowed: ${DIGITS}.` },
  { what: "port negative", stackFile: "dev", overrides: { "opencode-cloud:port": "-1" }, message: `opencode-cloud:port: "-1" is not a number. Allowed: ${DIGITS}.` },
  {
    what: "bind address not an IP",
    stackFile: "dev",
    overrides: { "opencode-cloud:bindAddress": "localhost" },
    message: 'opencode-cloud:bindAddress: "localhost" is not an IP address. Allowed: an IPv4 or IPv6 address, e.g. 127.0.0.1 or 0.0.0.0.',
  },
  {
    what: "non-loopback without TLS acknowledged",
    stackFile: "remote",
    overrides: { "opencode-cloud:bindAddress": "0.0.0.0" },
    message:
      "opencode-cloud:bindAddress: 0.0.0.0 is not a loopback address, and opencode speaks plain HTTP. Allowed: a loopback address such as 127.0.0.1 (reach a remote host through the SSH tunnel output), or opencode-cloud:allowPlainHttp: true with a TLS reverse proxy in front (README: Off loopback).",
  },
  {
    what: "no password and no opt-out",
    stackFile: "dev",
    overrides: { "opencode-cloud:password": null },
    message: `opencode-cloud:password: is required: opencode runs code for whoever reaches its port. Allowed: ${PASSWORD_ALLOWED}; or opencode-cloud:allowUnauthenticated: true on loopback (README: Authentication).`,
  },
  {
    what: "password too short",
    stackFile: "dev",
    overrides: { "opencode-cloud:password": { secure: "hunter2" } },
    message: `opencode-cloud:password: is 7 characters long. Allowed: ${PASSWORD_ALLOWED}.`,
  },
  {
    what: "password with a newline",
    stackFile: "dev",
    overrides: { "opencode-cloud:password": { secure: "a-long-enough-password\n" } },
    message: `opencode-cloud:password: contains a control character (a newline, tab, ...). Allowed: ${PASSWORD_ALLOWED}.`,
  },
  {
    what: "opt-out with Docker access, SSH keys and a non-loopback address",
    stackFile: "dev",
    overrides: {
      "opencode-cloud:password": null,
      "opencode-cloud:allowUnauthenticated": true,
      "opencode-cloud:dockerAccess": true,
      "opencode-cloud:mountSshKeys": true,
      "opencode-cloud:sshKeysDir": "/srv/keys",
      "opencode-cloud:bindAddress": "0.0.0.0",
      "opencode-cloud:allowPlainHttp": true,
    },
    message: `opencode-cloud:allowUnauthenticated: is refused because opencode-cloud:dockerAccess is on (the Docker socket is root on the host), opencode-cloud:mountSshKeys is on (the host's SSH keys would be readable), opencode-cloud:bindAddress 0.0.0.0 is not a loopback address. Allowed: false (the default) with a password: ${SET_PASSWORD}.`,
  },
  { what: "memory limit too small", stackFile: "dev", overrides: { "opencode-cloud:memoryLimitMb": 256 }, message: "opencode-cloud:memoryLimitMb: 256 is below 512. Allowed: an integer of MiB, 512 or more." },
  { what: "memory limit not a number", stackFile: "dev", overrides: { "opencode-cloud:memoryLimitMb": "4g" }, message: 'opencode-cloud:memoryLimitMb: "4g" is not a number. Allowed: an integer of MiB, 512 or more.' },
  { what: "sudo not a boolean", stackFile: "dev", overrides: { "opencode-cloud:sudo": "no" }, message: 'opencode-cloud:sudo: "no" is not a boolean. Allowed: true or false.' },
  {
    what: "password as plain config",
    stackFile: "dev",
    overrides: { "opencode-cloud:password": "hunter2hunter2" },
    message: "opencode-cloud:password: is set as plain text. Allowed: a secret: pulumi config set --secret opencode-cloud:password <password>.",
  },
  {
    what: "registry not a host",
    stackFile: "dev",
    overrides: { "opencode-cloud:registries": "docker.io,my/registry" },
    message: 'opencode-cloud:registries: "my/registry" is not a registry host. Allowed: comma-separated registry hosts[:port], e.g. docker.io,ghcr.io or 127.0.0.1:5051.',
  },
  { what: "unknown build toolset", stackFile: "dev", overrides: { "opencode-cloud:buildToolset": "all" }, message: 'opencode-cloud:buildToolset: "all" is not one of them. Allowed: full, runtime.' },
  { what: "unknown image source", stackFile: "dev", overrides: { "opencode-cloud:imageSource": "fetch" }, message: 'opencode-cloud:imageSource: "fetch" is not one of them. Allowed: pull, build.' },
  {
    what: "image not an OCI reference",
    stackFile: "dev",
    overrides: { "opencode-cloud:image": "Prizz/Sandbox:1" },
    message:
      'opencode-cloud:image: "Prizz/Sandbox:1" is not a valid OCI reference (path component "Sandbox" must be lowercase letters and digits, separated by ".", "_", "__" or "-"). Allowed: [registry/]repository[:tag][@sha256:<64 hex>].',
  },
  {
    what: "image tag invalid",
    stackFile: "dev",
    overrides: { "opencode-cloud:imageTag": "-latest" },
    message:
      'opencode-cloud:imageTag: "docker.io/prizz/opencode-cloud-sandbox:-latest" is not a valid OCI reference (tag "-latest" must be 1-128 of [A-Za-z0-9_.-] and not start with "." or "-"). Allowed: [registry/]repository[:tag][@sha256:<64 hex>].',
  },
  {
    what: "digest not sha256 + 64 hex",
    stackFile: "dev",
    overrides: { "opencode-cloud:imageDigest": "sha256:ABC" },
    message: 'opencode-cloud:imageDigest: "sha256:ABC" is not a digest. Allowed: "sha256:" followed by 64 lowercase hex digits.',
  },
  { what: "unknown platform", stackFile: "dev", overrides: { "opencode-cloud:platform": "linux/s390x" }, message: 'opencode-cloud:platform: "linux/s390x" is not one of them. Allowed: linux/amd64, linux/arm64.' },
  {
    what: "invalid container name",
    stackFile: "dev",
    overrides: { "opencode-cloud:containerName": "-sandbox" },
    message: `opencode-cloud:containerName: "-sandbox" is not a valid container name. Allowed: ${NAME}.`,
  },
  {
    what: "invalid volume names",
    stackFile: "dev",
    overrides: { "opencode-cloud:volumePrefix": "my/data" },
    message: `opencode-cloud:volumePrefix: "my/data" does not make valid volume names. Allowed: ${NAME}.`,
  },
  { what: "boolean not a boolean", stackFile: "dev", overrides: { "opencode-cloud:dockerAccess": "yes" }, message: 'opencode-cloud:dockerAccess: "yes" is not a boolean. Allowed: true or false.' },
  { what: "unknown mode", stackFile: "dev", overrides: { "opencode-cloud:mode": "deploy" }, message: 'opencode-cloud:mode: "deploy" is not a mode. Allowed: sandbox, release, team.' },
  {
    what: "docker host not a Docker URL",
    stackFile: "dev",
    overrides: { "docker:host": "https://example.com" },
    message: 'docker:host: "https://example.com" is not a Docker host URL. Allowed: unix:///path, tcp://host:port, ssh://user@host or npipe:////./pipe/name.',
  },
  {
    what: "ssh keys dir not absolute",
    stackFile: "dev",
    overrides: { "opencode-cloud:mountSshKeys": true, "opencode-cloud:sshKeysDir": "~/.ssh" },
    message: 'opencode-cloud:sshKeysDir: "~/.ssh" is not an absolute path. Allowed: an absolute directory path on the Docker host.',
  },
  {
    what: "ssh keys on a remote host without a directory",
    stackFile: "remote",
    overrides: { "opencode-cloud:mountSshKeys": true },
    message: "opencode-cloud:sshKeysDir: is required with opencode-cloud:mountSshKeys on the remote host ssh://opencode@sandbox.example.com. Allowed: an absolute directory path on the Docker host.",
  },
  {
    what: "digest in image differs from imageDigest",
    stackFile: "dev",
    overrides: { "opencode-cloud:image": `ghcr.io/prizz/x@sha256:${"a".repeat(64)}`, "opencode-cloud:imageDigest": `sha256:${"b".repeat(64)}` },
    message: `opencode-cloud:imageDigest: sha256:${"b".repeat(64)} differs from the digest in opencode-cloud:image (sha256:${"a".repeat(64)}). Allowed: the same digest in both, or only one of them.`,
  },
  {
    what: "unknown key (typo)",
    stackFile: "dev",
    overrides: { "opencode-cloud:prot": 8080 },
    message: "opencode-cloud:prot: is not a config key of this project. Allowed: the keys Pulumi.yaml declares (README: Configuration).",
  },
  {
    what: "several problems at once",
    stackFile: "dev",
    overrides: { "opencode-cloud:port": "x", "opencode-cloud:platform": "windows/amd64" },
    message: [
      "2 invalid config values:",
      `  - opencode-cloud:port: "x" is not a number. Allowed: ${DIGITS}.`,
      '  - opencode-cloud:platform: "windows/amd64" is not one of them. Allowed: linux/amd64, linux/arm64.',
    ].join("\n"),
  },
  {
    what: "host folder not absolute",
    stackFile: "dev",
    overrides: { "opencode-cloud:folders": ["code/app:app"] },
    message: 'opencode-cloud:folders: "code/app" in "code/app:app" is not an absolute host path. Allowed: HOST_PATH:PATH_IN_WORKSPACE[:ro] (or :rw), e.g. /home/me/code/app:app:ro.',
  },
  {
    what: "host folder missing on a local host",
    stackFile: "dev",
    overrides: { "opencode-cloud:folders": ["/nonexistent/opencode-cloud-test:app"] },
    message: 'opencode-cloud:folders: /nonexistent/opencode-cloud-test in "/nonexistent/opencode-cloud-test:app" does not exist on this host. Allowed: an existing folder on the Docker host.',
  },
  {
    what: "host folder over the workspace volume",
    stackFile: "dev",
    overrides: { "opencode-cloud:folders": ["/tmp:."] },
    message: 'opencode-cloud:folders: "." in "/tmp:." is not a path inside the workspace. Allowed: a relative path below /home/opencode/workspace, e.g. app or clients/acme.',
  },
  {
    what: "host folder outside the workspace",
    stackFile: "dev",
    overrides: { "opencode-cloud:folders": ["/tmp:../.config"] },
    message: 'opencode-cloud:folders: "../.config" in "/tmp:../.config" is not a path inside the workspace. Allowed: a relative path below /home/opencode/workspace, e.g. app or clients/acme.',
  },
  {
    what: "host folder with a bad mode",
    stackFile: "remote",
    overrides: { "opencode-cloud:folders": ["/srv/code:code:rx"] },
    message: 'opencode-cloud:folders: "/srv/code:code:rx" is not a folder entry. Allowed: HOST_PATH:PATH_IN_WORKSPACE[:ro] (or :rw), e.g. /home/me/code/app:app:ro.',
  },
  {
    what: "host folders not a list",
    stackFile: "dev",
    overrides: { "opencode-cloud:folders": "/tmp:app" },
    message: "opencode-cloud:folders: /tmp:app is not a list of strings. Allowed: a YAML list of strings, e.g. set with pulumi config set --path 'opencode-cloud:folders[0]' VALUE.",
  },
  {
    what: "env without =",
    stackFile: "dev",
    overrides: { "opencode-cloud:env": ["DEBUG"] },
    message: 'opencode-cloud:env: an entry ("DEBUG...") is not NAME=value. Allowed: NAME=value with NAME of letters, digits and _, not starting with a digit.',
  },
  {
    what: "env with a reserved name",
    stackFile: "dev",
    overrides: { "opencode-cloud:env": ["OPENCODE_SERVER_PASSWORD=x"] },
    message: "opencode-cloud:env: OPENCODE_SERVER_PASSWORD is reserved. Allowed: names other than OPENCODE_SERVER_PASSWORD, OPENCODE_SERVER_USERNAME, HOME, USER, PATH (the password is opencode-cloud:password).",
  },
  {
    what: "secret env as plain text",
    stackFile: "dev",
    overrides: { "opencode-cloud:secretEnv": ["OPENAI_API_KEY=sk-test"] },
    message: "opencode-cloud:secretEnv: is set as plain text. Allowed: a secret: pulumi config set --secret --path 'opencode-cloud:secretEnv[0]' NAME=value.",
  },
  {
    what: "a name in env and secretEnv",
    stackFile: "dev",
    overrides: { "opencode-cloud:env": ["API_KEY=a"], "opencode-cloud:secretEnv": { secure: '["API_KEY=b"]' } },
    message: "opencode-cloud:secretEnv: API_KEY is also in opencode-cloud:env. Allowed: each name in one of the two.",
  },
  {
    what: "signature without a transparency log, keyless",
    stackFile: "dev",
    overrides: { "opencode-cloud:signatureTlog": false },
    message:
      "opencode-cloud:signatureTlog: false needs opencode-cloud:signatureKey: a keyless signature is trusted only through its transparency-log entry. Allowed: true, or false with opencode-cloud:signatureKey set.",
  },
  {
    what: "signature key file missing",
    stackFile: "dev",
    overrides: { "opencode-cloud:signatureKey": "/nonexistent/opencode-cloud-test/cosign.pub" },
    message: `opencode-cloud:signatureKey: /nonexistent/opencode-cloud-test/cosign.pub does not exist. Allowed: ${SIGNATURE_KEY}.`,
  },
  {
    what: "signature key file not a public key (relative to the project)",
    stackFile: "dev",
    overrides: { "opencode-cloud:signatureKey": "package.json" },
    message: `opencode-cloud:signatureKey: "package.json" (${join(PROJECT_DIR, "package.json")}) is not a PEM public key: it holds no PEM block. Allowed: ${SIGNATURE_KEY}.`,
  },
  {
    what: "signature key with the build source",
    stackFile: "dev",
    overrides: { "opencode-cloud:imageSource": "build", "opencode-cloud:signatureKey": "awskms:///alias/cosign" },
    message: "opencode-cloud:signatureKey: is set with opencode-cloud:imageSource build: an image built on the host is not signed. Allowed: empty with build, or opencode-cloud:imageSource pull.",
  },
];
