import { describe as suite, expect, it } from "vitest";
import { compareShapes, declarationBody, declarations, describe, dtsShape, referencedTypes, schemaShape, schemaType, sdkNamer, tsType } from "../../../src/tools/sdk-schema.js";

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
    ["pulumi.Input<inputs.core.v1.PodSpec>", "core.v1.PodSpec"],
    ['pulumi.Input<"apps/v1">', '"apps/v1"'],
    ["pulumi.Input<string | enums.core.v1.ServiceSpecType>", "core.v1.ServiceSpecType | string"],
    ["pulumi.Input<number | string>", "number | string"],
    ["pulumi.Input<string | number | undefined>", "number | string"],
    ["pulumi.Input<pulumi.Input<pulumi.asset.Asset | pulumi.asset.Archive>[]>", "Asset[]"],
    ["pulumi.Output<(pulumi.asset.Asset | pulumi.asset.Archive)[]>", "Asset[]"],
    ["pulumi.Input<pulumi.asset.Archive>", "Archive"],
    ["pulumi.Input<inputs.apiextensions.v1.JSONSchemaProps | any[]>", "any[] | apiextensions.v1.JSONSchemaProps"],
    ["pulumi.Input<pulumi.Input<number | string>[]>", "(number | string)[]"],
    ["pulumi.Input<{ [key: string]: pulumi.Input<pulumi.Input<string>[]>; }>", "map<string[]>"],
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
    expect(referencedTypes(new Map([["a", { type: "(core.v1.A | string)[]", required: false }], ["b", { type: "map<core.v1.B>", required: true }], ["c", { type: '"v1"', required: false }]]))).toEqual(["core.v1.A", "core.v1.B"]);
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

/** Declarations in namespaces, as a Kubernetes SDK's types/input.d.ts has them: the same name in two versions. */
const NAMESPACED = `
export declare namespace apps {
    namespace v1 {
        /** A spec { with braces }. */
        interface StatefulSetSpec {
            replicas?: pulumi.Input<number>;
            template: pulumi.Input<inputs.core.v1.PodTemplateSpec>;
        }
        function statefulSetSpecProvideDefaults(val: StatefulSetSpec): StatefulSetSpec;
    }
    namespace v1beta1 {
        interface StatefulSetSpec {
            replicas?: pulumi.Input<number>;
        }
    }
}
export declare namespace core {
    namespace v1 {
        interface PodTemplateSpec {
            metadata?: pulumi.Input<{ labels?: { [key: string]: string } }>;
        }
    }
}
export interface HelmReleaseSettings {
    driver?: pulumi.Input<string>;
}
`;

suite("reading namespaced declarations", () => {
  it("indexes every interface by its namespaces, type literals and functions left out", () => {
    expect([...declarations(NAMESPACED).keys()].sort()).toEqual([
      "interface HelmReleaseSettings",
      "interface apps.v1.StatefulSetSpec",
      "interface apps.v1beta1.StatefulSetSpec",
      "interface core.v1.PodTemplateSpec",
    ]);
  });

  it.each([
    ["apps.v1.StatefulSetSpec", ["replicas", "template"]],
    ["apps.v1beta1.StatefulSetSpec", ["replicas"]],
    ["core.v1.PodTemplateSpec", ["metadata"]],
    ["HelmReleaseSettings", ["driver"]],
  ])("finds %s in its own namespace", (name, props) => {
    expect([...dtsShape(declarationBody(NAMESPACED, "interface", name)!).keys()]).toEqual(props);
  });

  it.each(["StatefulSetSpec", "v1.StatefulSetSpec", "apps.v2.StatefulSetSpec", "core.v1.StatefulSetSpec"])("does not take %s for another namespace's", (name) => {
    expect(declarationBody(NAMESPACED, "interface", name)).toBeUndefined();
  });

  it("names nested types with their namespaces", () => {
    expect(dtsShape(declarationBody(NAMESPACED, "interface", "apps.v1.StatefulSetSpec")!).get("template")).toEqual({ type: "core.v1.PodTemplateSpec", required: true });
  });
});

suite("reading the schema", () => {
  it.each([
    [{ type: "integer" }, "number"],
    [{ type: "array", items: { $ref: "#/types/docker:index/ContainerPort:ContainerPort" } }, "ContainerPort[]"],
    [{ type: "object", additionalProperties: { type: "string" } }, "map<string>"],
    [{ type: "boolean" }, "boolean"],
  ])("normalises %j to %s", (spec, want) => expect(schemaType(spec)).toBe(want));

  const k8s = sdkNamer({ "networking.k8s.io/v1": "networking/v1", "apps/v1": "apps/v1" });
  it.each([
    [{ $ref: "#/types/kubernetes:core/v1:PodSpec" }, "core.v1.PodSpec"],
    [{ $ref: "#/types/kubernetes:networking.k8s.io/v1:IngressSpec" }, "networking.v1.IngressSpec"],
    [{ type: "array", items: { $ref: "#/types/kubernetes:apps/v1:StatefulSetSpec" } }, "apps.v1.StatefulSetSpec[]"],
    [{ $ref: "#/types/kubernetes:index:HelmReleaseSettings" }, "HelmReleaseSettings"],
    [{ oneOf: [{ type: "integer" }, { type: "string" }] }, "number | string"],
    [{ type: "array", items: { oneOf: [{ type: "string" }, { type: "integer" }] } }, "(number | string)[]"],
    [{ type: "string", const: "apps/v1" }, '"apps/v1"'],
    [{ $ref: "pulumi.json#/Any" }, "any"],
    [{ $ref: "pulumi.json#/Json" }, "any"],
    [{ $ref: "pulumi.json#/Asset" }, "Asset"],
    [{ type: "object", additionalProperties: { $ref: "pulumi.json#/Any" } }, "map<any>"],
  ])("with the SDK's namespaces, normalises %j to %s", (spec, want) => expect(schemaType(spec, k8s)).toBe(want));

  it.each([
    ["docker:index/ContainerPort:ContainerPort", {}, "ContainerPort"],
    ["docker:index/container:Container", {}, "Container"],
    ["kubernetes:apps/v1:StatefulSet", { "apps/v1": "apps/v1" }, "apps.v1.StatefulSet"],
    ["kubernetes:networking.k8s.io/v1:Ingress", { "networking.k8s.io/v1": "networking/v1" }, "networking.v1.Ingress"],
    ["kubernetes:core/v1:Secret", {}, "core.v1.Secret"],
  ])("names %s as the SDK does", (token, modules, want) => expect(sdkNamer(modules)(token)).toBe(want));
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
