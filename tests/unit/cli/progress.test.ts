import { describe, expect, it } from "vitest";
import { formatBytes } from "../../../src/bytes.js";
import { applyPullEvent, emptyPull, progressLogLines, PullError, renderLayer, renderPull, type PullEvent, type PullState } from "../../../src/cli/progress.js";

const feed = (events: PullEvent[], state: PullState = emptyPull): PullState => events.reduce(applyPullEvent, state);

describe("pull progress", () => {
  it("tracks bytes per layer in first-seen order", () => {
    const state = feed([
      { status: "Pulling from prizz/opencode-cloud-sandbox", id: "sha256:abc" },
      { status: "Pulling fs layer", id: "aaaaaaaaaaaa" },
      { status: "Already exists", id: "bbbbbbbbbbbb" },
      { status: "Downloading", id: "aaaaaaaaaaaa", progressDetail: { current: 1_500_000, total: 3_000_000_000 } },
      { status: "Downloading", id: "aaaaaaaaaaaa", progressDetail: { current: 1_200_000_000, total: 3_000_000_000 } },
    ]);
    expect(state.layers).toEqual([
      { id: "aaaaaaaaaaaa", status: "Downloading", current: 1_200_000_000, total: 3_000_000_000 },
      { id: "bbbbbbbbbbbb", status: "Already exists", current: 0, total: 0 },
    ]);
    expect(renderPull(state)).toEqual([
      "aaaaaaaaaaaa  Downloading         [=========>              ]  1.2 GB / 3.0 GB",
      "bbbbbbbbbbbb  Already exists",
      "1/2 layers, 1.2 GB / 3.0 GB  Pulling from prizz/opencode-cloud-sandbox",
    ]);
  });

  it("completes a layer at its total", () => {
    const state = feed([
      { status: "Downloading", id: "l1", progressDetail: { current: 10, total: 100 } },
      { status: "Download complete", id: "l1" },
      { status: "Extracting", id: "l1", progressDetail: { current: 50, total: 100 } },
      { status: "Pull complete", id: "l1" },
      { status: "Digest: sha256:ff" },
    ]);
    expect(state.layers).toEqual([{ id: "l1", status: "Pull complete", current: 100, total: 100 }]);
    expect(renderPull(state).at(-1)).toBe("1/1 layers, 100 B / 100 B  Digest: sha256:ff");
  });

  it("turns an error event into PullError", () => {
    expect(() => feed([{ error: "x", errorDetail: { message: "manifest unknown" } }])).toThrow(new PullError("manifest unknown"));
  });

  it("logs status changes and each quarter of a download when there is no terminal", () => {
    const a = feed([{ status: "Downloading", id: "l1", progressDetail: { current: 10, total: 100 } }]);
    const b = applyPullEvent(a, { status: "Downloading", id: "l1", progressDetail: { current: 20, total: 100 } });
    const c = applyPullEvent(b, { status: "Downloading", id: "l1", progressDetail: { current: 30, total: 100 } });
    expect(progressLogLines(emptyPull, a)).toEqual([renderLayer(a.layers[0]!)]);
    expect(progressLogLines(a, b)).toEqual([]);
    expect(progressLogLines(b, c)).toEqual([renderLayer(c.layers[0]!)]);
  });

  it.each([
    [0, "0 B"],
    [999, "999 B"],
    [1000, "1.0 kB"],
    [52_400_000, "52.4 MB"],
    [4_200_000_000, "4.2 GB"],
  ])("formatBytes %s", (n, text) => expect(formatBytes(n)).toBe(text));
});
