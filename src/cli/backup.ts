// Backups of a stack's volumes: archive names and retention, the manifest, and the shell scripts the helper
// container runs. Pure; src/cli/day-two.ts runs the helper and moves the bytes.
//
// Archive layout (tar.gz): `manifest.json`, then one top directory per volume kind (`sessions/`, `projects/`,
// `config/`) holding the volume's files with numeric owners. SQLite databases in the sessions volume are never copied
// as live files: with the sandbox running, `sqlite/sessions/<path>.db` holds a copy made with SQLite's backup API
// (and the live `.db`, `-wal`, `-shm`, `-journal` files are left out); when the image has no sqlite3, the sandbox is
// stopped for the copy and the files go in as they are (consistent: nothing writes them).

import { join } from "node:path";
import { BACKUPS, USER_STATE, VOLUME_KINDS, type VolumeKind } from "../facts.js";

export const ARCHIVE_FORMAT = 1;

export interface Manifest {
  readonly format: number;
  readonly stack: string;
  /** ISO time the backup started. */
  readonly created: string;
  readonly volumes: Partial<Record<VolumeKind, string>>;
  readonly image: string;
  /** How the session database was copied: `backup-api` (live) or `stopped` (files of a stopped sandbox). */
  readonly sqlite: "backup-api" | "stopped";
}

/** `$XDG_STATE_HOME/opencode-cloud/backups/<stack>` (default `~/.local/state/...`). */
export function backupDir(stateHome: string, stack: string): string {
  return join(stateHome, USER_STATE.app, USER_STATE.backups, stack);
}

/** `20260131T120000Z`: sorts as it reads, safe in file names. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
}

export function archiveName(stack: string, what: string, date: Date): string {
  return `${stack}-${what}-${timestamp(date)}${BACKUPS.extension}`;
}

/** The archives of `what` among `files` that retention removes: all but the newest `keep`. */
export function archivesToPrune(files: readonly string[], stack: string, what: string, keep: number): string[] {
  const pattern = new RegExp(`^${escape(stack)}-${escape(what)}-(\\d{8}T\\d{6}Z)${escape(BACKUPS.extension)}$`);
  const mine = files.filter((f) => pattern.test(f)).sort();
  return mine.slice(0, Math.max(0, mine.length - keep));
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Where the helper container mounts each volume. */
export const HELPER_ROOT = "/v";
/** Exit code of the backup script when a live copy is impossible (no sqlite3 in the image). */
export const NO_SQLITE_EXIT = 42;
/** Environment variable that carries the manifest into the helper. */
export const MANIFEST_ENV = "OPENCODE_CLOUD_MANIFEST";

const SQLITE_FILES = ["*.db", "*.db-wal", "*.db-shm", "*.db-journal"];

function kindList(kinds: readonly VolumeKind[]): string {
  for (const k of kinds) if (!VOLUME_KINDS.includes(k)) throw new Error(`unknown volume kind ${k}`);
  return kinds.join(" ");
}

/**
 * The helper's backup script: writes the tar.gz to stdout. `live`: the sandbox may be running, so each database in
 * the sessions volume is copied with sqlite3's `.backup` (owner and mode kept) and the live files are excluded.
 */
export function backupScript(kinds: readonly VolumeKind[], live: boolean, root: string = HELPER_ROOT): string {
  const lines = ["set -eu", 'stage=$(mktemp -d)', `printf '%s\\n' "$${MANIFEST_ENV}" > "$stage/manifest.json"`, `mkdir -p "$stage/sqlite"`, `cd ${root}`];
  const members = `${kindList(kinds)} -C "$stage" manifest.json`;
  if (live && kinds.includes("sessions")) {
    lines.push(
      `command -v sqlite3 >/dev/null || { echo "the sandbox image has no sqlite3" >&2; exit ${NO_SQLITE_EXIT}; }`,
      "find sessions -type f -name '*.db' | while IFS= read -r db; do",
      '  mkdir -p "$stage/sqlite/$(dirname "$db")"',
      '  sqlite3 "$db" ".timeout 20000" ".backup \'$stage/sqlite/$db\'"',
      '  chown --reference="$db" "$stage/sqlite/$db" && chmod --reference="$db" "$stage/sqlite/$db"',
      "done",
      `tar -c --numeric-owner --anchored ${SQLITE_FILES.map((p) => `--exclude='sessions/${p}'`).join(" ")} -f - ${members} sqlite | gzip -1`,
    );
  } else {
    lines.push(`tar -c --numeric-owner -f - ${members} | gzip -1`);
  }
  return lines.join("\n");
}

/**
 * The helper's restore script: keeps the tar.gz from stdin, reads it through once (a broken or foreign archive fails
 * here and changes nothing), then empties each volume the archive holds and extracts into it, puts the consistent
 * database copies in place and prints the manifest.
 */
export function restoreScript(root: string = HELPER_ROOT): string {
  return [
    "set -eu",
    "stage=$(mktemp -d)",
    'cat > "$stage/archive.tar.gz"',
    'tar -tzf "$stage/archive.tar.gz" > "$stage/members"',
    'grep -qx manifest.json "$stage/members" || { echo "not an opencode-cloud backup: no manifest.json" >&2; exit 1; }',
    'tar -xzf "$stage/archive.tar.gz" -C "$stage" manifest.json',
    `for kind in ${VOLUME_KINDS.join(" ")}; do`,
    '  grep -q "^$kind/" "$stage/members" || continue',
    `  find "${root}/$kind" -mindepth 1 -delete`,
    `  tar -x --numeric-owner -z -f "$stage/archive.tar.gz" -C "${root}" "$kind"`,
    '  if grep -q "^sqlite/$kind/" "$stage/members"; then',
    `    tar -x --numeric-owner -z -f "$stage/archive.tar.gz" -C "$stage" "sqlite/$kind" && cp -a "$stage/sqlite/$kind/." "${root}/$kind/"`,
    "  fi",
    "done",
    'cat "$stage/manifest.json"',
  ].join("\n");
}

/** Reads the manifest the restore script printed; names the archive when it is not one of ours. */
export function parseManifest(text: string, archive: string): Manifest {
  let m: Partial<Manifest>;
  try {
    m = JSON.parse(text.trim()) as Partial<Manifest>;
  } catch {
    throw new Error(`${archive}: its manifest.json is not JSON`);
  }
  if (m.format !== ARCHIVE_FORMAT || typeof m.stack !== "string" || typeof m.volumes !== "object") {
    throw new Error(`${archive}: manifest.json is not an opencode-cloud backup of format ${ARCHIVE_FORMAT}`);
  }
  return m as Manifest;
}
