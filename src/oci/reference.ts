// OCI image references (`[registry/]repository[:tag][@digest]`), parsed by the grammar of the distribution project's
// reference package and normalised the way the Docker CLI does (`ubuntu` -> `docker.io/library/ubuntu`).
// Pure: shared by the Pulumi program, the release code and the actions.

/** The registry name Docker uses for Docker Hub when a reference names none. */
export const DOCKER_HUB = "docker.io";

/** A digest as this project pins them: sha256 and 64 lowercase hex digits. */
export const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

const MAX_NAME_LENGTH = 255;
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const ANY_DIGEST_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

export interface ImageReference {
  /** Registry host (and port), normalised: `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  readonly registry: string;
  /** Repository path within the registry, e.g. `prizz/opencode-cloud-sandbox` or `library/ubuntu`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
  /** `registry/repository`. */
  readonly name: string;
}

export class InvalidReferenceError extends Error {
  override readonly name = "InvalidReferenceError";

  constructor(
    readonly reference: string,
    readonly reason: string,
  ) {
    super(`invalid image reference "${reference}": ${reason}`);
  }
}

/** True for `sha256:` followed by 64 lowercase hex digits. */
export function isDigest(value: string): boolean {
  return DIGEST_RE.test(value);
}

/** Parses and normalises a reference; throws InvalidReferenceError saying what is wrong. */
export function parseReference(input: string): ImageReference {
  const fail = (reason: string): never => {
    throw new InvalidReferenceError(input, reason);
  };
  if (input.length === 0) fail("it is empty");
  if (input !== input.trim()) fail("it has leading or trailing white space");

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    checkDigest(digest, fail);
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) fail(`tag "${tag}" must be 1-128 of [A-Za-z0-9_.-] and not start with "." or "-"`);
  }

  const [registry, repository] = splitRegistry(rest);
  if (!DOMAIN_RE.test(registry)) fail(`registry "${registry}" is not a valid host name`);
  if (repository.length === 0) fail("the repository name is empty");
  for (const component of repository.split("/")) {
    if (!PATH_COMPONENT_RE.test(component)) {
      fail(`path component "${component}" must be lowercase letters and digits, separated by ".", "_", "__" or "-"`);
    }
  }
  const name = `${registry}/${repository}`;
  if (name.length > MAX_NAME_LENGTH) fail(`the name is longer than ${MAX_NAME_LENGTH} characters`);

  return { registry, repository, name, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** Writes `name[:tag][@digest]`. */
export function formatReference(ref: Pick<ImageReference, "name" | "tag" | "digest">): string {
  return `${ref.name}${ref.tag === undefined ? "" : `:${ref.tag}`}${ref.digest === undefined ? "" : `@${ref.digest}`}`;
}

/** The short name the Docker CLI shows: `prizz/x` for Docker Hub, `ubuntu` for official images, else the full name. */
export function familiarName(ref: Pick<ImageReference, "registry" | "repository">): string {
  if (ref.registry !== DOCKER_HUB) return `${ref.registry}/${ref.repository}`;
  return ref.repository.startsWith("library/") ? ref.repository.slice("library/".length) : ref.repository;
}

function splitRegistry(name: string): [string, string] {
  const slash = name.indexOf("/");
  const first = slash === -1 ? "" : name.slice(0, slash);
  const isHost = slash !== -1 && (first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase());
  if (!isHost) {
    return [DOCKER_HUB, slash === -1 ? `library/${name}` : name];
  }
  const registry = first === "index.docker.io" ? DOCKER_HUB : first;
  let repository = name.slice(slash + 1);
  if (registry === DOCKER_HUB && !repository.includes("/")) repository = `library/${repository}`;
  return [registry, repository];
}

function checkDigest(digest: string, fail: (reason: string) => never): void {
  if (!ANY_DIGEST_RE.test(digest)) fail(`digest "${digest}" must be algorithm:hex, e.g. sha256: and 64 hex digits`);
  const [algorithm, hex] = digest.split(":") as [string, string];
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) fail(`digest algorithm "${algorithm}" is not one of ${Object.keys(DIGEST_HEX_LENGTH).join(", ")}`);
  if (hex.length !== length) fail(`a ${algorithm} digest has ${length} hex digits, not ${hex.length}`);
  if (hex !== hex.toLowerCase()) fail("digest hex digits must be lowercase");
}
