import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { runPulumi } from "../../../src/cli/pulumi-cli.js";
import { parseEventLog, stackOutputs } from "../../../src/cli/stack.js";

const event = (type: string, outputs: Record<string, unknown>, sequence: number) =>
  JSON.stringify({ sequence, timestamp: 0, resOutputsEvent: { metadata: { op: "same", urn: `urn:${type}`, type, provider: "", new: { type, urn: `urn:${type}`, id: "", parent: "", provider: "", outputs } } } });

describe("stackOutputs", () => {
  it("answers the root stack resource's outputs, not another resource's", () => {
    const log = [
      JSON.stringify({ sequence: 0, timestamp: 0, preludeEvent: { config: {} } }),
      event("docker:index/container:Container", { name: "c" }, 1),
      event("pulumi:pulumi:Stack", { url: "http://127.0.0.1:3000", tunnel: "", imageId: "sha256:abc" }, 2),
      JSON.stringify({ sequence: 3, timestamp: 0, summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: {}, policyPacks: {} } }),
      "",
    ].join("\n");
    expect(stackOutputs(parseEventLog(log))).toEqual({ url: "http://127.0.0.1:3000", tunnel: "", imageId: "sha256:abc" });
  });

  it("says so when the log has no outputs of the stack", () => {
    expect(() => stackOutputs(parseEventLog(event("docker:index/volume:Volume", {}, 0)))).toThrow("the update's event log reports no outputs of the pulumi:pulumi:Stack resource");
  });
});

describe("runPulumi", () => {
  const node = process.execPath;
  const opts = (out: string[], env: Record<string, string> = {}) => ({ cwd: process.cwd(), env, onOutput: (t: string) => void out.push(t) });

  it("streams standard output, with the CLI's own directory first on PATH and the given environment", async () => {
    const out: string[] = [];
    await runPulumi(node, ["-e", "console.log(process.env.PATH.split(':')[0], process.env.EXTRA, process.env.PULUMI_AUTOMATION_API)", "--"], opts(out, { EXTRA: "x" }));
    expect(out.join("")).toBe(`${dirname(node)} x true\n`);
  });

  it("answers standard output, runs non-interactively, and gives `input` on standard input, not on the command line", async () => {
    const script = "let i = ''; process.stdin.on('data', (c) => (i += c)).on('end', () => console.log(JSON.stringify({ argv: process.argv.slice(1), input: i })))";
    const answer = JSON.parse(await runPulumi(node, ["-e", script, "--"], { cwd: process.cwd(), env: {}, input: "s3cret\nvalue" })) as { argv: string[]; input: string };
    expect(answer).toEqual({ argv: ["--non-interactive"], input: "s3cret\nvalue" });
  });

  it("names the command's words in its failure", async () => {
    const failing = runPulumi(node, ["stack", "select", "--stack", "dev"], { cwd: process.cwd(), env: {} });
    await expect(failing).rejects.toThrow(/^pulumi stack select exited with code 1:/);
  });

  it("rejects with the exit code and standard error when the command fails", async () => {
    const out: string[] = [];
    const failing = runPulumi(node, ["-e", "console.log('progress'); console.error('error: the update failed'); process.exit(3)", "--"], opts(out));
    await expect(failing).rejects.toThrow("pulumi -e exited with code 3:\nerror: the update failed");
    expect(out.join("")).toBe("progress\n");
  });
});
