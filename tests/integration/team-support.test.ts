// The team tier's helpers that need no cluster: REST paths from Pulumi type tokens, the kwokctl configuration.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { KUBE_TOOLS } from "../../src/facts.js";
import { K8S } from "../support/team.js";
import { declaredObject, kubeBuildEnded, kwokctlConfig, missingPieces, objectPath, type KubePieces } from "./support/kube.js";

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

const PIECES_AT = (dir: string): KubePieces => ({
  kubeApiserver: `${dir}/kube-apiserver`,
  kubeControllerManager: `${dir}/kube-controller-manager`,
  kubeScheduler: `${dir}/kube-scheduler`,
  kubectl: `${dir}/kubectl`,
  etcd: `${dir}/etcd`,
  kwok: `${dir}/kwok`,
  kwokctl: `${dir}/kwokctl`,
  providerPlugin: `${dir}/pulumi-resource-kubernetes`,
});

it("configures kwokctl for our binaries on loopback, downloading nothing", () => {
  const pieces = PIECES_AT("/cache");
  const config = parse(kwokctlConfig(pieces, 32123)) as { options: Record<string, unknown> };
  expect(config.options).toMatchObject({
    runtime: "binary",
    bindAddress: "127.0.0.1",
    kubeApiserverPort: 32123,
    kubeVersion: KUBE_TOOLS.kubernetes,
    kubeApiserverBinary: pieces.kubeApiserver,
    kubeControllerManagerBinary: pieces.kubeControllerManager,
    kubeSchedulerBinary: pieces.kubeScheduler,
    kubectlBinary: pieces.kubectl,
    etcdBinary: pieces.etcd,
    kwokControllerBinary: pieces.kwok,
  });
  for (const value of Object.values(config.options)) expect(String(value)).not.toMatch(/^https?:/);
});

it("names every piece that is not built, or not in the env file, with the builder", () => {
  const dir = mkdtempSync(join(tmpdir(), "opencode-kube-pieces-"));
  const pieces = PIECES_AT(dir);
  writeFileSync(pieces.kubectl, "");
  const { kubectl: _, ...named } = pieces;
  const missing = missingPieces({ ...named, etcd: undefined } as Partial<KubePieces>);
  expect(missing.map((m) => m.split(" ")[0])).toEqual(["kubeApiserver", "kubeControllerManager", "kubeScheduler", "kubectl", "etcd", "kwok", "kwokctl", "providerPlugin"]);
  expect(missing.find((m) => m.startsWith("etcd"))).toMatch(/not in .*env\.json; run scripts\/ci-env\/build-kube\.sh/);
  expect(missingPieces(pieces).map((m) => m.split(" ")[0])).not.toContain("kubectl");
});

describe("kubeBuildEnded", () => {
  const files = () => {
    const dir = mkdtempSync(join(tmpdir(), "kube-build-"));
    return { log: join(dir, "log"), pid: join(dir, "pid"), exitCode: join(dir, "rc") };
  };

  it("returns at once when no background build was started", async () => {
    await expect(kubeBuildEnded(files(), 1_000, 10)).resolves.toBeUndefined();
  });

  it("waits while the build runs, then returns on exit code 0", async () => {
    const f = files();
    writeFileSync(f.pid, String(process.pid)); // alive
    setTimeout(() => writeFileSync(f.exitCode, "0\n"), 100);
    const since = Date.now();
    await kubeBuildEnded(f, 5_000, 10);
    expect(Date.now() - since).toBeGreaterThanOrEqual(90);
  });

  it("fails with the exit code and the log when the build failed", async () => {
    const f = files();
    writeFileSync(f.pid, String(process.pid));
    writeFileSync(f.exitCode, "2\n");
    await expect(kubeBuildEnded(f, 1_000, 10)).rejects.toThrow(`building the Kubernetes pieces failed (exit code 2; log: ${f.log}; scripts/ci-env/build-kube.sh)`);
  });

  it("fails when the build's process is gone without an exit code, or outlasts the timeout", async () => {
    const gone = files();
    writeFileSync(gone.pid, "999999999");
    await expect(kubeBuildEnded(gone, 1_000, 10)).rejects.toThrow("ended without an exit code: run scripts/ci-env.sh again");
    const slow = files();
    writeFileSync(slow.pid, String(process.pid));
    await expect(kubeBuildEnded(slow, 50, 10)).rejects.toThrow("still building after");
  });
});
