// The team tier's helpers that need no cluster: REST paths from Pulumi type tokens, the kwokctl configuration.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { KUBE_TOOLS } from "../../src/facts.js";
import { K8S } from "../support/team.js";
import { declaredObject, kubePieces, kwokctlConfig, objectPath } from "./support/kube.js";

describe("declaredObject and objectPath", () => {
  it.each([
    [K8S.namespace, undefined, "v1", "/api/v1/namespaces/n"],
    [K8S.claim, "ns", "v1", "/api/v1/namespaces/ns/persistentvolumeclaims/n"],
    [K8S.statefulSet, "ns", "apps/v1", "/apis/apps/v1/namespaces/ns/statefulsets/n"],
    [K8S.networkPolicy, "ns", "networking.k8s.io/v1", "/apis/networking.k8s.io/v1/namespaces/ns/networkpolicies/n"],
  ])("%s in %s", (type, namespace, apiVersion, path) => {
    const object = declaredObject(type, { metadata: { name: "n", ...(namespace ? { namespace } : {}) } });
    expect(object.apiVersion).toBe(apiVersion);
    expect(object.kind).toBe(type.split(":")[2]);
    expect(objectPath(object)).toBe(path);
  });

  it("refuses what it cannot place", () => {
    expect(() => declaredObject("docker:index/volume:Volume", {})).toThrow(/not a Kubernetes resource type/);
    expect(() => objectPath({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" } })).toThrow(/no REST path/);
  });
});

it("configures kwokctl for our binaries on loopback, downloading nothing", () => {
  const pieces = kubePieces("/cache");
  const config = parse(kwokctlConfig(pieces, 32123)) as { options: Record<string, unknown> };
  expect(config.options).toMatchObject({
    runtime: "binary",
    bindAddress: "127.0.0.1",
    kubeApiserverPort: 32123,
    kubeVersion: KUBE_TOOLS.kubernetes,
    kubeApiserverBinary: `/cache/kubernetes-${KUBE_TOOLS.kubernetes}/kube-apiserver`,
    kubectlBinary: `/cache/kubernetes-${KUBE_TOOLS.kubernetes}/kubectl`,
    etcdBinary: `/cache/etcd-${KUBE_TOOLS.etcd}/etcd`,
    kwokControllerBinary: `/cache/kwok-${KUBE_TOOLS.kwok}/kwok`,
  });
  for (const value of Object.values(config.options)) expect(String(value)).not.toMatch(/^https?:/);
});
