import { describe as suite, expect, it } from "vitest";
import { checkInputs, compareWithSdk, touchedDifferences, type PackageSchema } from "../../../src/tools/provider-schema.js";
import { describe } from "../../../src/tools/sdk-schema.js";

// A package in the Kubernetes SDK's shape: namespaced types, a module mapped to another package name, constants.
const TOKEN = "k:apps.io/v1:Thing";
const SCHEMA: PackageSchema = {
  name: "k",
  version: "1.0.0",
  language: { nodejs: { moduleToPackage: { "apps.io/v1": "apps/v1" }, compatibility: "kubernetes20" } },
  provider: { inputProperties: { kubeconfig: { type: "string" }, retries: { type: "integer" } } },
  resources: {
    [TOKEN]: {
      inputProperties: {
        apiVersion: { type: "string", const: "apps/v1" },
        spec: { $ref: "#/types/k:apps.io/v1:ThingSpec" },
      },
      properties: { apiVersion: { type: "string", const: "apps/v1" }, spec: { $ref: "#/types/k:apps.io/v1:ThingSpec" }, status: { type: "string" } },
      required: ["apiVersion"],
    },
    "k:yaml:Bundle": { isOverlay: true },
  },
  types: {
    "k:apps.io/v1:ThingSpec": {
      properties: {
        ports: { type: "array", items: { $ref: "#/types/k:core/v1:Port" } },
        labels: { type: "object", additionalProperties: { type: "string" } },
        mode: { oneOf: [{ type: "string" }, { $ref: "#/types/k:core/v1:Mode" }] },
        strictMode: { $ref: "#/types/k:core/v1:Mode" },
      },
    },
    "k:core/v1:Port": {
      properties: { port: { type: "integer" }, target: { oneOf: [{ type: "integer" }, { type: "string" }] }, extra: { $ref: "pulumi.json#/Any" } },
      required: ["port"],
      // The SDK's output interfaces declare what the provider always returns: here the target as well.
      language: { nodejs: { requiredOutputs: ["port", "target"] } },
    },
    "k:core/v1:Mode": { type: "string", enum: [{ value: "Fast" }, { value: "Slow" }] },
  },
};

const FILES: Record<string, string> = {
  "apps/v1/thing": `
export declare class Thing extends pulumi.CustomResource {
    static isInstance(obj: any): obj is Thing;
    readonly apiVersion: pulumi.Output<"apps/v1">;
    readonly spec: pulumi.Output<outputs.apps.v1.ThingSpec>;
    readonly status: pulumi.Output<string>;
}
export interface ThingArgs {
    apiVersion?: pulumi.Input<"apps/v1">;
    spec?: pulumi.Input<inputs.apps.v1.ThingSpec>;
}`,
  provider: `export interface ProviderArgs { kubeconfig?: pulumi.Input<string>; retries?: pulumi.Input<number>; }`,
  "types/input": `
export declare namespace apps { namespace v1 {
    interface ThingSpec {
        ports?: pulumi.Input<pulumi.Input<inputs.core.v1.Port>[]>;
        labels?: pulumi.Input<{ [key: string]: pulumi.Input<string>; }>;
        mode?: pulumi.Input<string | enums.core.v1.Mode>;
        strictMode?: pulumi.Input<enums.core.v1.Mode>;
    }
} }
export declare namespace core { namespace v1 {
    interface Port { port: pulumi.Input<number>; target?: pulumi.Input<number | string>; extra?: any; }
} }`,
  "types/output": `
export declare namespace apps { namespace v1 {
    interface ThingSpec { ports?: outputs.core.v1.Port[]; labels?: { [key: string]: string; }; mode?: string | enums.core.v1.Mode; strictMode?: enums.core.v1.Mode; }
} }
export declare namespace core { namespace v1 {
    interface Port { port: number; target: number | string; extra?: any; }
} }`,
};
const read = (files: Record<string, string>) => (file: string) => files[file];

suite("comparing a whole package", () => {
  it("finds no difference where SDK and schema agree, following nested types through namespaces", () => {
    const cmp = compareWithSdk(SCHEMA, { [TOKEN]: "apps/v1/thing" }, read(FILES));
    expect(cmp).toMatchObject({ missingTokens: [], extraTokens: [], overlays: ["k:yaml:Bundle"], compared: { resources: 1, inputTypes: 2, outputTypes: 2 }, inputs: [], outputs: [] });
  });

  it("compares nested output types with what the code generator takes as required for outputs", () => {
    const files = { ...FILES, "types/output": FILES["types/output"]!.replace("target: number | string", "target?: number | string") };
    expect(compareWithSdk(SCHEMA, { [TOKEN]: "apps/v1/thing" }, read(files)).outputs.map(describe)).toEqual(["core.v1.Port.target: SDK number | string, provider number | string (required)"]);
  });

  it("reports a retyped nested property, a newly required one and tokens on one side only", () => {
    const files = {
      ...FILES,
      "types/input": FILES["types/input"]!.replace("target?: pulumi.Input<number | string>", "target?: pulumi.Input<number>").replace("port: pulumi.Input<number>", "port?: pulumi.Input<number>"),
    };
    const schema = structuredClone(SCHEMA);
    schema.resources["k:apps.io/v1:Other"] = {};
    const cmp = compareWithSdk(schema, { [TOKEN]: "apps/v1/thing", "k:gone:Gone": "gone" }, read(files));
    expect(cmp.missingTokens).toEqual(["k:gone:Gone"]);
    expect(cmp.extraTokens).toEqual(["k:apps.io/v1:Other"]);
    expect(cmp.inputs.map(describe)).toEqual(["core.v1.Port.port: SDK number, provider number (required)", "core.v1.Port.target: SDK number, provider number | string"]);
  });

  it("in kubernetes20 compatibility takes every output as required, as the code generator declares them", () => {
    const cmp = compareWithSdk(SCHEMA, { [TOKEN]: "apps/v1/thing" }, read(FILES));
    expect(cmp.outputs).toEqual([]);
    const plain = structuredClone(SCHEMA);
    delete plain.language!.nodejs!.compatibility;
    expect(compareWithSdk(plain, { [TOKEN]: "apps/v1/thing" }, read(FILES)).outputs.map(describe)).toEqual([
      "apps.v1.Thing.spec: SDK apps.v1.ThingSpec (required), provider apps.v1.ThingSpec",
      "apps.v1.Thing.status: SDK string (required), provider string",
    ]);
  });
});

suite("what a program sets, read against the schema", () => {
  const inputs = {
    apiVersion: "apps/v1",
    spec: { ports: [{ port: 80, target: "http" }, { port: 81, extra: { anything: [1] } }], labels: { "app.kubernetes.io/name": "x" }, mode: "Medium", strictMode: "Fast" },
  };

  it("lists every path set, array elements and map entries included, with no problem when all fit", () => {
    expect(checkInputs(SCHEMA, TOKEN, inputs)).toEqual({
      paths: ["apiVersion", "spec", "spec.labels", "spec.labels.*", "spec.mode", "spec.ports", "spec.ports.extra", "spec.ports.port", "spec.ports.target", "spec.strictMode"],
      problems: [],
    });
  });

  it.each([
    [{ apiVersion: "apps/v2" }, 'apiVersion: "apps/v2" is not "apps/v1"'],
    [{ spec: { ports: [{ port: "80" }] } }, 'spec.ports.port: "80" is not integer'],
    [{ spec: { ports: [{ port: 1.5 }] } }, "spec.ports.port: 1.5 is not integer"],
    [{ spec: { ports: [{ port: 1, target: true }] } }, "spec.ports.target: true is not integer | string"],
    [{ spec: { ports: [{ target: 8080 }] } }, "spec.ports.port: required by the schema, not set"],
    [{ spec: { ports: { port: 1 } } }, 'spec.ports: {"port":1} is not array'],
    [{ spec: { labels: { a: 1 } } }, "spec.labels.*: 1 is not string"],
    [{ spec: { strictMode: "Medium" } }, 'spec.strictMode: "Medium" is not core.v1.Mode'],
    [{ spec: { replicas: 1 } }, "spec.replicas: not a property the schema knows"],
    [{ spec: "x" }, 'spec: "x" is not apps.v1.ThingSpec'],
  ])("finds the problem in %j", (bad, problem) => {
    expect(checkInputs(SCHEMA, TOKEN, bad as Record<string, unknown>).problems).toEqual([problem]);
  });

  it("takes an Output it cannot see into as fitting, and refuses a resource the schema does not serve", () => {
    expect(checkInputs(SCHEMA, TOKEN, { spec: { ports: [{ port: { __pulumiOutput: true } }] } }).problems).toEqual([]);
    expect(checkInputs(SCHEMA, "k:apps.io/v1:Nope", {}).problems).toEqual(["k:apps.io/v1:Nope: not a resource the schema serves"]);
  });

  it("reads a provider's inputs JSON-decoded, as the SDK sends them", () => {
    expect(checkInputs(SCHEMA, "pulumi:providers:k", { kubeconfig: "{}", retries: "3" })).toEqual({ paths: ["kubeconfig", "retries"], problems: [] });
    expect(checkInputs(SCHEMA, "pulumi:providers:k", { retries: '"3"' }).problems).toEqual(['retries: "3" is not integer']);
  });

  it("maps a set path to the differences it runs through, and no others", () => {
    const files = { ...FILES, "types/input": FILES["types/input"]!.replace("target?: pulumi.Input<number | string>", "target?: pulumi.Input<number>") };
    const cmp = compareWithSdk(SCHEMA, { [TOKEN]: "apps/v1/thing" }, read(files));
    expect(touchedDifferences(SCHEMA, TOKEN, "spec.ports.target", cmp).map(describe)).toEqual(["core.v1.Port.target: SDK number, provider number | string"]);
    expect(touchedDifferences(SCHEMA, TOKEN, "spec.ports.port", cmp)).toEqual([]);
    expect(touchedDifferences(SCHEMA, TOKEN, "spec.labels.*", cmp)).toEqual([]);
  });

  it("lists a path the schema lacks among those set, so that its difference is found", () => {
    const schema = structuredClone(SCHEMA);
    delete schema.types["k:core/v1:Port"]!.properties!["target"];
    expect(checkInputs(schema, TOKEN, { spec: { ports: [{ port: 1, target: "x" }] } }).paths).toContain("spec.ports.target");
    const cmp = compareWithSdk(schema, { [TOKEN]: "apps/v1/thing" }, read(FILES));
    expect(touchedDifferences(schema, TOKEN, "spec.ports.target", cmp).map(describe)).toEqual(["core.v1.Port.target: SDK number | string, provider absent"]);
  });
});
