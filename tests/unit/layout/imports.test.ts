import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findCycles, importGraph, specifiersOf, type ImportGraph } from "../../support/import-graph.js";

const graph = (edges: Record<string, string[]>): ImportGraph => new Map(Object.entries(edges));

describe("findCycles", () => {
  it.each<[string, Record<string, string[]>, string[][]]>([
    ["a chain", { a: ["b"], b: ["c"], c: [] }, []],
    ["a diamond", { a: ["b", "c"], b: ["d"], c: ["d"], d: [] }, []],
    ["two files", { a: ["b"], b: ["a"] }, [["a", "b", "a"]]],
    ["three files, entered from outside", { x: ["b"], a: ["b"], b: ["c"], c: ["a"] }, [["a", "b", "c", "a"]]],
    ["a file importing itself", { a: ["a"], b: [] }, [["a", "a"]]],
    ["two separate circles", { a: ["b"], b: ["a"], c: ["d"], d: ["e"], e: ["c"] }, [["a", "b", "a"], ["c", "d", "e", "c"]]],
    ["the shortest way round", { a: ["b", "c"], b: ["c"], c: ["a"] }, [["a", "c", "a"]]],
  ])("%s", (_what, edges, cycles) => expect(findCycles(graph(edges))).toEqual(cycles));
});

it("reads static, type-only, re-exporting and dynamic imports", () => {
  const source = [
    'import { a } from "./a.js";',
    'import type { B } from "../b.js";',
    'export { c } from "./c.js";',
    'export * from "./d.js";',
    'const e = await import("./e.js");',
    'import "node:fs";',
  ].join("\n");
  expect(specifiersOf(source)).toEqual(["./a.js", "../b.js", "./c.js", "./d.js", "./e.js", "node:fs"]);
});

describe("src/", () => {
  const src = importGraph(fileURLToPath(new URL("../../../src", import.meta.url)));

  it("is read whole (the walk found the modules and their imports)", () => {
    expect(src.size).toBeGreaterThan(30);
    expect(src.get("config/settings.ts")).toContain("config/schema.ts");
    expect(src.get("config/read.ts")).toContain("config/release.ts");
  });

  it("has no import cycle", () => {
    expect(findCycles(src).map((cycle) => cycle.join(" -> "))).toEqual([]);
  });
});
