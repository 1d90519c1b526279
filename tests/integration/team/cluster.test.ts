// The team stack's objects on a real API server (kube-apiserver, kube-controller-manager and kube-scheduler built
// from k8s.io/kubernetes, etcd, kwok's simulated nodes): the objects the program declares (under mocks, exactly as
// the engine receives them) are server-side applied the way the Kubernetes provider applies them, so the API server
// judges what mocks cannot: that it accepts every object, that the pods get scheduled and turn Ready, that the claims
// bind, that a new member leaves the others untouched, that a removed member's claims stay and that a new image rolls
// the StatefulSet. Figures (seconds to Ready) are printed, never asserted.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VOLUME_KINDS } from "../../../src/facts.js";
import { runProgram, type ProgramRun } from "../../support/program.js";
import { K8S, teamOverrides, type MemberEntry } from "../../support/team.js";
import { declaredObject, builtKubeEnvironment, objectPath, staticVolumes, startCluster, waitFor, type Cluster, type KubeObject } from "../support/kube.js";
import { freePort } from "../support/opencode.js";

const kube = await builtKubeEnvironment();
const STORAGE_CLASS = "opencode-static";
const FIELD_MANAGER = "opencode-cloud-team-test";
/** Apply order: what the others live in or mount first. */
const ORDER = [K8S.namespace, K8S.secret, K8S.claim, K8S.service, K8S.networkPolicy, K8S.statefulSet, K8S.ingress];

const declare = (members: readonly MemberEntry[], extra: Record<string, string> = {}): Promise<ProgramRun> =>
  runProgram({ stack: "team", overrides: teamOverrides(members, { "opencode-cloud:teamStorageClass": STORAGE_CLASS, ...extra }) });

const objects = (run: ProgramRun, member?: string): { name: string; retain: boolean; object: KubeObject }[] =>
  run.resources
    .filter((r) => r.custom && r.type.startsWith("kubernetes:") && (member === undefined || r.name.startsWith(`${member}-`)))
    .sort((a, b) => ORDER.indexOf(a.type as (typeof ORDER)[number]) - ORDER.indexOf(b.type as (typeof ORDER)[number]))
    .map((r) => ({ name: r.name, retain: r.options.retainOnDelete, object: declaredObject(r.type, r.inputs) }));

type Obj = { metadata: { uid: string; resourceVersion: string }; status?: Record<string, unknown>; spec?: Record<string, unknown> };

describe.skipIf(!kube)("the team stack on a real API server (kwok nodes)", () => {
  let cluster: Cluster;
  const apply = async (run: ProgramRun, member?: string) => {
    for (const { object } of objects(run, member)) await cluster.api.apply(object, FIELD_MANAGER);
  };
  const ready = (member: string, seconds = 180) =>
    waitFor(`${member}'s sandbox Ready`, seconds, async () => {
      const set = await cluster.api.get<Obj>(`/apis/apps/v1/namespaces/opencode-${member}/statefulsets/opencode`);
      const s = set.status as { readyReplicas?: number; updatedReplicas?: number; currentRevision?: string; updateRevision?: string } | undefined;
      return s?.readyReplicas === 1 && s.updatedReplicas === 1 && s.currentRevision === s.updateRevision ? s : undefined;
    });
  const claimsBound = (member: string) =>
    waitFor(`${member}'s claims Bound`, 120, async () => {
      const phases = await Promise.all(
        VOLUME_KINDS.map(async (kind) => (await cluster.api.get<Obj>(`/api/v1/namespaces/opencode-${member}/persistentvolumeclaims/opencode-${kind}`)).status?.["phase"]),
      );
      return phases.every((p) => p === "Bound") ? phases : undefined;
    });
  /** uid and resourceVersion of every object of a member: an untouched object keeps both. */
  const versions = async (run: ProgramRun, member: string) =>
    Object.fromEntries(
      await Promise.all(
        objects(run, member).map(async ({ name, object }) => {
          const live = await cluster.api.get<Obj>(objectPath(object));
          return [name, `${live.metadata.uid}@${live.metadata.resourceVersion}`] as const;
        }),
      ),
    );

  beforeAll(async () => {
    cluster = await startCluster(kube!.pieces, `opencode-team-${process.pid}`, await freePort(), 2);
    console.log(`[team] cluster up in ${cluster.startSeconds.toFixed(1)} s`);
    await staticVolumes(cluster.api, STORAGE_CLASS, 12, "20Gi");
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("runs a team of two: every object accepted, pods scheduled on kwok nodes and Ready, claims bound", async () => {
    const started = Date.now();
    await apply(await declare([{ name: "alice" }, { name: "bob" }]));
    await Promise.all(["alice", "bob"].map((m) => ready(m)));
    await Promise.all(["alice", "bob"].map((m) => claimsBound(m)));
    console.log(`[team] team of two Ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const pod = await cluster.api.get<{ spec: { nodeName?: string; securityContext: Record<string, unknown> } }>("/api/v1/namespaces/opencode-alice/pods/opencode-0");
    const nodes = await cluster.api.get<{ items: { metadata: { name: string; annotations?: Record<string, string> } }[] }>("/api/v1/nodes");
    const kwokNodes = nodes.items.filter((n) => n.metadata.annotations?.["kwok.x-k8s.io/node"] === "fake").map((n) => n.metadata.name);
    expect(kwokNodes).toHaveLength(2);
    expect(kwokNodes).toContain(pod.spec.nodeName);
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, fsGroup: 1000 });
  });

  it("adds a third member without touching the first two", async () => {
    const two = await declare([{ name: "alice" }, { name: "bob" }]);
    const before = { alice: await versions(two, "alice"), bob: await versions(two, "bob") };
    const three = await declare([{ name: "alice" }, { name: "bob" }, { name: "carol" }]);
    const started = Date.now();
    await apply(three);
    await ready("carol");
    console.log(`[team] third member added and Ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect({ alice: await versions(three, "alice"), bob: await versions(three, "bob") }).toEqual(before);
  });

  it("removes a member's pod and keeps their namespace and claims", async () => {
    const three = await declare([{ name: "alice" }, { name: "bob" }, { name: "carol" }]);
    // What the engine does when bob leaves the config: deletes bob's resources except the retained ones.
    const bob = objects(three, "bob");
    for (const { object } of bob.filter((o) => !o.retain).reverse()) await cluster.api.delete(object);
    await waitFor("bob's pod gone", 120, async () => ((await cluster.api.request("GET", "/api/v1/namespaces/opencode-bob/pods/opencode-0")).status === 404 ? true : undefined));
    expect(bob.filter((o) => o.retain).map((o) => o.object.kind).sort()).toEqual(["Namespace", ...VOLUME_KINDS.map(() => "PersistentVolumeClaim")].sort());
    expect(await claimsBound("bob")).toEqual(VOLUME_KINDS.map(() => "Bound"));
  });

  it("rolls the StatefulSet to a new image, the claims staying bound", async () => {
    const members = [{ name: "alice" }, { name: "carol" }];
    const before = await ready("alice");
    const next = await declare(members, { "opencode-cloud:imageTag": "9.9.9" });
    const image = (objects(next, "alice").find((o) => o.object.kind === "StatefulSet")!.object as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0]!.image;
    const started = Date.now();
    await apply(next);
    const after = await waitFor("alice rolled", 180, async () => {
      const s = await ready("alice");
      return s.updateRevision !== before.updateRevision ? s : undefined;
    });
    console.log(`[team] image rolled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(after.updateRevision).not.toBe(before.updateRevision);
    const pod = await cluster.api.get<{ spec: { containers: { image: string }[] } }>("/api/v1/namespaces/opencode-alice/pods/opencode-0");
    expect(pod.spec.containers[0]!.image).toBe(image);
    expect(await claimsBound("alice")).toEqual(VOLUME_KINDS.map(() => "Bound"));
  });
});
