import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { parse } from "yaml";
import { SANDBOX_KEYS } from "../../../src/config/schema.js";
import { PROJECT_DIR } from "../../support/program.js";

const project = parse(readFileSync(join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as {
  name: string;
  runtime: { name: string; options: Record<string, unknown> };
  main: string;
  stackConfigDir: string;
  config: Record<string, { type: string; default: unknown; description: string }>;
};

it("declares the project, the ESM TypeScript runtime and the stack directory", () => {
  expect(project).toMatchObject({ name: "opencode-cloud", main: "index.ts", stackConfigDir: "stacks" });
  expect(project.runtime).toEqual({ name: "nodejs", options: { typescript: false, nodeargs: "--import ./scripts/program-loader.mjs" } });
});

it("declares every sandbox key with the type, default and description the settings module uses", () => {
  for (const [key, spec] of Object.entries(SANDBOX_KEYS)) {
    expect(project.config[key], key).toEqual({ type: spec.type, default: spec.default, description: spec.description, ...(spec.type === "array" ? { items: { type: "string" } } : {}) });
  }
});

it("gives every project key a type, a description and a default", () => {
  for (const [key, decl] of Object.entries(project.config)) {
    // An array declares the type of its items too (Pulumi checks each item before the program runs).
    expect(Object.keys(decl).sort(), key).toEqual(decl.type === "array" ? ["default", "description", "items", "type"] : ["default", "description", "type"]);
    expect(typeof decl.default === decl.type || (decl.type === "integer" && Number.isInteger(decl.default)) || (decl.type === "array" && Array.isArray(decl.default)), key).toBe(true);
  }
});

it("documents every sandbox key in the README's configuration table", () => {
  const readme = readFileSync(join(PROJECT_DIR, "README.md"), "utf8");
  for (const [key, spec] of Object.entries(SANDBOX_KEYS)) {
    expect(readme, key).toContain(`| \`opencode-cloud:${key}\` | ${spec.type} | \`${JSON.stringify(spec.default)}\` |`);
  }
});
