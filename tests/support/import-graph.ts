// The import graph of a source tree, read with the TypeScript compiler's own pre-processor (static imports, type-only
// imports, `export ... from` and `import()` alike), and the cycles in it. Used by tests/unit/layout/imports.test.ts.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

/** File (relative to the root, `/`-separated) -> the files of the same tree it imports, sorted. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** Every module specifier a TypeScript source names. */
export function specifiersOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** The graph of the .ts files under `root`: relative specifiers (NodeNext: `./x.js` names `./x.ts`) resolved. */
export function importGraph(root: string): ImportGraph {
  const files = tsFiles(root);
  const known = new Set(files);
  const key = (file: string): string => relative(root, file).split("\\").join("/");
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = specifiersOf(readFileSync(file, "utf8"))
      .filter((s) => s.startsWith("."))
      .map((s) => resolve(dirname(file), s.replace(/\.js$/, ".ts")))
      .filter((target) => known.has(target));
    graph.set(key(file), [...new Set(targets.map(key))].sort());
  }
  return graph;
}

/**
 * One cycle per strongly connected component that has one (Tarjan), each as the path `a -> b -> ... -> a`,
 * starting at its alphabetically first file.
 */
export function findCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfLoop = (graph.get(node) ?? []).includes(node);
      if (component.length > 1 || selfLoop) components.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components.map((members) => cycleThrough(graph, new Set(members), members[0]!)).sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** A shortest path from `start` back to itself inside one component (breadth-first). */
function cycleThrough(graph: ImportGraph, members: ReadonlySet<string>, start: string): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of graph.get(node) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}
