// Backups: archive names and retention on tables; the helper's scripts run here with the same GNU tools the image
// has (sh, tar, gzip, sqlite3), on directories standing in for the volumes, with a writer holding the database open.

import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { archiveName, archivesToPrune, backupDir, backupScript, MANIFEST_ENV, NO_SQLITE_EXIT, parseManifest, restoreScript, timestamp } from "../../../src/cli/backup.js";
import { VOLUME_KINDS } from "../../../src/facts.js";

const inCI = process.env.CI === "true";
const hasSqlite = (() => {
  try {
    execFileSync("sqlite3", ["--version"]);
    return true;
  } catch {
    if (inCI) throw new Error("sqlite3 is missing under CI=true (.ci/run installs it)");
    return false;
  }
})();

describe("names and retention", () => {
  it("names archives by stack, kind and UTC time", () => {
    const at = new Date("2026-12-01T09:05:07.123Z");
    expect(timestamp(at)).toBe("20261201T090507Z");
    expect(archiveName("dev", "pre-upgrade", at)).toBe("dev-pre-upgrade-20261201T090507Z.tar.gz");
    expect(backupDir("/home/u/.local/state", "dev")).toBe("/home/u/.local/state/opencode-cloud/backups/dev");
  });

  it.each([
    [["dev-pre-upgrade-20261201T000001Z.tar.gz", "dev-pre-upgrade-20261201T000003Z.tar.gz", "dev-pre-upgrade-20261201T000002Z.tar.gz"], 2, ["dev-pre-upgrade-20261201T000001Z.tar.gz"]],
    [["dev-pre-upgrade-20261201T000001Z.tar.gz"], 5, []],
    // Manual backups, other stacks and half-written files are never pruned.
    [["dev-backup-20261201T000001Z.tar.gz", "dev-x-pre-upgrade-20261201T000001Z.tar.gz", "dev-pre-upgrade-20261201T000001Z.tar.gz.partial", "dev-pre-upgrade-20261201T000002Z.tar.gz"], 0, ["dev-pre-upgrade-20261201T000002Z.tar.gz"]],
  ])("prunes %j keeping %d", (files, keep, pruned) => expect(archivesToPrune(files, "dev", "pre-upgrade", keep)).toEqual(pruned));

  it("reads a manifest and refuses other archives", () => {
    const m = { format: 1, stack: "dev", created: "2026-12-01T00:00:00.000Z", volumes: { sessions: "s" }, image: "i", sqlite: "backup-api" };
    expect(parseManifest(JSON.stringify(m), "a.tar.gz")).toEqual(m);
    expect(() => parseManifest("{}", "a.tar.gz")).toThrow("a.tar.gz: manifest.json is not an opencode-cloud backup of format 1");
    expect(() => parseManifest("<html>", "a.tar.gz")).toThrow("a.tar.gz: its manifest.json is not JSON");
  });
});

/** Runs a helper script with /bin/sh on this machine, its stdin from `stdin`, its stdout into `stdout`; the exit code. */
function sh(script: string, env: Record<string, string>, io: { stdin?: string; stdout?: string } = {}): number {
  try {
    const out = execFileSync("/bin/sh", ["-c", script], { env: { ...process.env, ...env }, ...(io.stdin ? { input: readFileSync(io.stdin) } : {}), stdio: ["pipe", "pipe", "pipe"], maxBuffer: 1 << 30 });
    if (io.stdout) writeFileSync(io.stdout, out);
    return 0;
  } catch (e) {
    return (e as { status: number }).status;
  }
}

const runToFile = (script: string, env: Record<string, string>, file: string) => sh(script, env, { stdout: file });

const volumesAt = (root: string) => {
  for (const k of VOLUME_KINDS) mkdirSync(join(root, k), { recursive: true });
};

describe.skipIf(!hasSqlite)("the helper's scripts", () => {
  it("copies a live WAL database consistently, leaves its live files out, and restores everything", async () => {
    const root = mkdtempSync(join(tmpdir(), "vols-"));
    volumesAt(root);
    writeFileSync(join(root, "projects", "hello.txt"), "hi\n");
    mkdirSync(join(root, "config", "opencode"));
    writeFileSync(join(root, "config", "opencode", "opencode.json"), "{}\n");
    const db = join(root, "sessions", "opencode.db");
    // A writer that keeps the database open with its rows still in the WAL (no checkpoint), as a running opencode does.
    const writer = spawn("sqlite3", [db], { stdio: ["pipe", "pipe", "inherit"] });
    writer.stdin.write("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE session(id TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<500) INSERT INTO session SELECT 'ses_' || i FROM n; SELECT 'ready';\n");
    await new Promise<void>((resolve) => writer.stdout.on("data", (d: Buffer) => d.toString().includes("ready") && resolve()));
    expect(statSync(`${db}-wal`).size).toBeGreaterThan(0);

    const archive = join(mkdtempSync(join(tmpdir(), "arch-")), "b.tar.gz");
    const manifest = JSON.stringify({ format: 1, stack: "dev", created: "x", volumes: { sessions: "s", projects: "p", config: "c" }, image: "i", sqlite: "backup-api" });
    expect(runToFile(backupScript(VOLUME_KINDS, true, root), { [MANIFEST_ENV]: manifest }, archive)).toBe(0);
    writer.stdin.end();
    await new Promise((r) => writer.once("exit", r));

    const members = execFileSync("tar", ["-tzf", archive]).toString().split("\n");
    expect(members).toContain("manifest.json");
    expect(members).toContain("sqlite/sessions/opencode.db");
    expect(members).toContain("projects/hello.txt");
    expect(members.filter((m) => /^sessions\/.*\.db(-wal|-shm)?$/.test(m))).toEqual([]);

    const target = mkdtempSync(join(tmpdir(), "vols-"));
    volumesAt(target);
    writeFileSync(join(target, "projects", "stale.txt"), "old\n");
    const printed = execFileSync("sh", ["-c", restoreScript(target)], { input: readFileSync(archive) }).toString();
    expect(parseManifest(printed, archive).stack).toBe("dev");
    expect(execFileSync("sqlite3", [join(target, "sessions", "opencode.db"), "PRAGMA integrity_check; SELECT count(*) FROM session;"]).toString()).toBe("ok\n500\n");
    expect(readFileSync(join(target, "projects", "hello.txt"), "utf8")).toBe("hi\n");
    expect(readFileSync(join(target, "config", "opencode", "opencode.json"), "utf8")).toBe("{}\n");
    expect(() => statSync(join(target, "projects", "stale.txt"))).toThrow(/ENOENT/);
  });

  it("backs up only the kinds asked for, and a restore then leaves the other volumes alone", () => {
    const root = mkdtempSync(join(tmpdir(), "vols-"));
    volumesAt(root);
    writeFileSync(join(root, "sessions", "note"), "s\n");
    const archive = join(mkdtempSync(join(tmpdir(), "arch-")), "s.tar.gz");
    expect(runToFile(backupScript(["sessions"], false, root), { [MANIFEST_ENV]: "{}" }, archive)).toBe(0);
    expect(execFileSync("tar", ["-tzf", archive]).toString().split("\n").filter(Boolean).sort()).toEqual(["manifest.json", "sessions/", "sessions/note"]);
    const target = mkdtempSync(join(tmpdir(), "vols-"));
    volumesAt(target);
    writeFileSync(join(target, "projects", "keep.txt"), "k\n");
    execFileSync("sh", ["-c", restoreScript(target)], { input: readFileSync(archive) });
    expect(readFileSync(join(target, "sessions", "note"), "utf8")).toBe("s\n");
    expect(readFileSync(join(target, "projects", "keep.txt"), "utf8")).toBe("k\n");
  });

  it("changes nothing when the archive is not gzip, is cut short, or is not one of ours", () => {
    const source = mkdtempSync(join(tmpdir(), "vols-"));
    volumesAt(source);
    for (let i = 0; i < 200; i++) writeFileSync(join(source, "projects", `f${i}`), `${i} ${"x".repeat(2000 + i)}\n`);
    const dir = mkdtempSync(join(tmpdir(), "arch-"));
    const good = join(dir, "good.tar.gz");
    expect(runToFile(backupScript(VOLUME_KINDS, false, source), { [MANIFEST_ENV]: "{}" }, good)).toBe(0);
    const bytes = readFileSync(good);
    writeFileSync(join(dir, "cut.tar.gz"), bytes.subarray(0, Math.floor(bytes.length / 2)));
    writeFileSync(join(dir, "junk.tar.gz"), "not gzip");
    execFileSync("sh", ["-c", `cd ${source} && tar -czf ${join(dir, "foreign.tar.gz")} projects`]);
    const target = mkdtempSync(join(tmpdir(), "vols-"));
    volumesAt(target);
    writeFileSync(join(target, "projects", "keep.txt"), "k\n");
    for (const name of ["junk", "cut", "foreign"]) {
      expect(sh(restoreScript(target), {}, { stdin: join(dir, `${name}.tar.gz`) }), name).not.toBe(0);
      expect(readdirSync(join(target, "projects")), name).toEqual(["keep.txt"]);
    }
  });

  it(`exits ${NO_SQLITE_EXIT} for a live copy without sqlite3`, () => {
    const root = mkdtempSync(join(tmpdir(), "vols-"));
    volumesAt(root);
    const bin = mkdtempSync(join(tmpdir(), "bin-"));
    for (const tool of ["mktemp", "mkdir", "printf"]) execFileSync("ln", ["-s", execFileSync("sh", ["-c", `command -v ${tool}`]).toString().trim(), join(bin, tool)]);
    expect(runToFile(backupScript(VOLUME_KINDS, true, root), { PATH: bin, [MANIFEST_ENV]: "{}" }, join(bin, "out"))).toBe(NO_SQLITE_EXIT);
  });
});
