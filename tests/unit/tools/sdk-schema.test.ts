import { describe as suite, expect, it } from "vitest";
import { compareShapes, declarationBody, describe, dtsShape, referencedTypes, schemaShape, schemaType, tsType, usedPaths } from "../../../src/tools/sdk-schema.js";

const DTS = `
/** Doc with { braces } and a ; */
export interface ThingArgs {
    /**
     * Port within the container.
     */
    image: pulumi.Input<string>;
    ports?: pulumi.Input<pulumi.Input<inputs.ThingPort>[] | undefined>;
    logOpts?: pulumi.Input<{
        [key: string]: pulumi.Input<string>;
    } | undefined>;
    wait?: pulumi.Input<boolean | undefined>;
}
export declare class Thing extends pulumi.CustomResource {
    static get(name: string, id: pulumi.Input<pulumi.ID>): Thing;
    static isInstance(obj: any): obj is Thing;
    readonly exitCode: pulumi.Output<number>;
    readonly labels: pulumi.Output<outputs.ThingLabel[] | undefined>;
    constructor(name: string, args: ThingArgs, opts?: pulumi.CustomResourceOptions);
}
`;

suite("reading the SDK's declarations", () => {
  it.each([
    ["pulumi.Input<string>", "string"],
    ["pulumi.Input<number | undefined>", "number"],
    ["pulumi.Input<pulumi.Input<inputs.ContainerPort>[] | undefined>", "ContainerPort[]"],
    ["pulumi.Output<outputs.ContainerLabel[]>", "ContainerLabel[]"],
    ["pulumi.Input<{ [key: string]: pulumi.Input<string>; } | undefined>", "map<string>"],
    ["pulumi.Input<pulumi.Input<string>[]>", "string[]"],
  ])("normalises %s to %s", (raw, want) => expect(tsType(raw)).toBe(want));

  it("reads an interface's properties with their types and required-ness, comments and nesting included", () => {
    const shape = dtsShape(declarationBody(DTS, "interface", "ThingArgs")!);
    expect(Object.fromEntries(shape)).toEqual({
      image: { type: "string", required: true },
      ports: { type: "ThingPort[]", required: false },
      logOpts: { type: "map<string>", required: false },
      wait: { type: "boolean", required: false },
    });
    expect(referencedTypes(shape)).toEqual(["ThingPort"]);
  });

  it("reads a class's outputs, skipping static methods and the constructor", () => {
    const shape = dtsShape(declarationBody(DTS, "class", "Thing")!);
    expect([...shape.keys()]).toEqual(["exitCode", "labels"]);
    expect(shape.get("labels")).toEqual({ type: "ThingLabel[]", required: false });
  });

  it("answers undefined for a declaration that is not there", () => {
    expect(declarationBody(DTS, "interface", "Thing")).toBeUndefined();
  });
});

suite("reading the schema", () => {
  it.each([
    [{ type: "integer" }, "number"],
    [{ type: "array", items: { $ref: "#/types/docker:index/ContainerPort:ContainerPort" } }, "ContainerPort[]"],
    [{ type: "object", additionalProperties: { type: "string" } }, "map<string>"],
    [{ type: "boolean" }, "boolean"],
  ])("normalises %j to %s", (spec, want) => expect(schemaType(spec)).toBe(want));
});

suite("comparing", () => {
  const sdk = dtsShape(declarationBody(DTS, "interface", "ThingArgs")!);
  it("finds nothing when names, types and required-ness agree", () => {
    const schema = schemaShape(
      { image: { type: "string" }, ports: { type: "array", items: { $ref: "#/types/x:index/ThingPort:ThingPort" } }, logOpts: { type: "object", additionalProperties: { type: "string" } }, wait: { type: "boolean" } },
      ["image"],
    );
    expect(compareShapes("Thing", sdk, schema)).toEqual([]);
  });

  it("reports a renamed, a retyped and a newly required property, each by path", () => {
    const schema = schemaShape({ image: { type: "string" }, port: { type: "array", items: { type: "integer" } }, logOpts: { type: "string" }, wait: { type: "boolean" } }, ["image", "wait"]);
    const diff = compareShapes("Thing", sdk, schema).map(describe);
    expect(diff).toEqual([
      "Thing.logOpts: SDK map<string>, provider string",
      "Thing.port: SDK absent, provider number[]",
      "Thing.ports: SDK ThingPort[], provider absent",
      "Thing.wait: SDK boolean, provider boolean (required)",
    ]);
  });
});

suite("what a program sets", () => {
  it("lists nested and array element paths, and treats an Output as a leaf", () => {
    const secret = { __pulumiOutput: true, value: "x" };
    expect(usedPaths({ image: "i", envs: secret, ports: [{ internal: 1 }, { internal: 2, ip: "127.0.0.1" }], gone: undefined })).toEqual([
      "envs",
      "image",
      "ports",
      "ports.internal",
      "ports.ip",
    ]);
  });
});
