// The program variants the provider schema checks run (tests/support/provider-schema.ts) must between them switch on
// every optional input, or the check on the real plugins (tests/integration/*provider.test.ts) proves less than it
// says. Checked here without a plugin: the inputs the variants declare carry every optional field.
import { describe, expect, it } from "vitest";
import { TYPES } from "../../support/program.js";
import { DOCKER, KUBERNETES, programInputs } from "../../support/provider-schema.js";
import { K8S } from "../../support/team.js";

const has = (all: readonly Record<string, unknown>[] | undefined, path: string): boolean =>
  (all ?? []).some((inputs) => {
    let values: unknown[] = [inputs];
    for (const part of path.split(".")) values = values.flatMap((v) => (Array.isArray(v) ? v : [v])).map((v) => (v as Record<string, unknown> | undefined)?.[part]).filter((v) => v !== undefined);
    return values.length > 0;
  });

describe("the variants the schema check runs the program with", () => {
  it("declare every kind of object the team program has, each optional field set somewhere", async () => {
    const inputs = await programInputs(KUBERNETES);
    expect([...inputs.keys()].sort()).toEqual(Object.values(K8S).sort());
    for (const [type, path] of [
      [K8S.ingress, "spec.tls.secretName"],
      [K8S.ingress, "spec.ingressClassName"],
      [K8S.networkPolicy, "spec.ingress.from.namespaceSelector"],
      [K8S.claim, "spec.storageClassName"],
      [K8S.statefulSet, "spec.template.spec.nodeSelector"],
      [K8S.statefulSet, "spec.template.spec.containers.resources.limits"],
    ] as const) {
      expect(has(inputs.get(type), path), `${type} ${path}`).toBe(true);
    }
    // And the paths' absence too: a member with a host but no TLS, a policy admitting nobody.
    expect(inputs.get(K8S.ingress)!.some((i) => !has([i], "spec.tls"))).toBe(true);
    expect(inputs.get(K8S.networkPolicy)!.some((i) => !has([i], "spec.ingress"))).toBe(true);
  });

  it("declare every docker resource and the explicit provider", async () => {
    const inputs = await programInputs(DOCKER);
    expect([...inputs.keys()].sort()).toEqual([TYPES.container, TYPES.network, TYPES.remoteImage, TYPES.volume, TYPES.dockerProvider].sort());
    expect(has(inputs.get(TYPES.dockerProvider), "sshOpts")).toBe(true);
  });
});
