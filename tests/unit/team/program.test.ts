// The team program under mocks: what one member gets, what adding, removing or re-imaging a member touches, and
// that no password is ever plain in inputs or outputs. (The engine's own behaviour, e.g. that a retained claim
// really stays, is the integration tier's: tests/integration/team.test.ts.)

import { describe, expect, it } from "vitest";
import {
  AUTH_ENV,
  HEALTHCHECK_TIMING,
  IMAGE_NAMES,
  IMAGE_PATHS,
  SANDBOX_PORT,
  SANDBOX_USER,
  VOLUME_KINDS,
  VOLUMES,
} from "../../../src/facts.js";
import { Secret } from "../../../src/config/secret.js";
import { CONTAINER_POLICY } from "../../../src/sandbox/policy.js";
import { memberPassword } from "../../../src/team/password.js";
import { fakeDigest, runProgram, type DeclaredResource, type ProgramRun } from "../../support/program.js";
import { K8S, teamOverrides, TEAM_SEED } from "../../support/team.js";

const byMember = (run: ProgramRun, member: string): DeclaredResource[] =>
  run.resources.filter((r) => r.name === member || r.name.startsWith(`${member}-`)).sort((a, b) => a.urn.localeCompare(b.urn));

/** What the engine compares: each resource's URN with its inputs and options. */
const fingerprint = (resources: readonly DeclaredResource[]) =>
  resources.map((r) => ({ urn: r.urn, inputs: r.inputs, secret: r.secretInputs, options: r.options }));

describe("a team of two", () => {
  let run: ProgramRun;

  it("runs", async () => {
    run = await runProgram({ stack: "team", overrides: teamOverrides([{ name: "alice" }, { name: "bob" }]) });
  });

  it("gives each member exactly: namespace, password Secret, three claims, StatefulSet, Service, NetworkPolicy", () => {
    for (const member of ["alice", "bob"]) {
      const kinds = byMember(run, member)
        .filter((r) => r.custom)
        .map((r) => `${r.type} ${String((r.inputs["metadata"] as { name: string }).name)}`)
        .sort();
      expect(kinds).toEqual(
        [
          `${K8S.namespace} opencode-${member}`,
          `${K8S.secret} opencode-password`,
          ...VOLUME_KINDS.map((kind) => `${K8S.claim} opencode-${kind}`),
          `${K8S.statefulSet} opencode`,
          `${K8S.service} opencode`,
          `${K8S.networkPolicy} opencode`,
        ].sort(),
      );
      for (const r of byMember(run, member).filter((r) => r.custom && r.type !== K8S.namespace)) {
        expect((r.inputs["metadata"] as { namespace: string }).namespace, r.name).toBe(`opencode-${member}`);
      }
    }
  });

  it("runs the published image pinned by digest, as the Docker program resolves it", () => {
    const pinned = `${IMAGE_NAMES.dockerHub}@${fakeDigest(`${IMAGE_NAMES.dockerHub}:latest`)}`;
    for (const member of ["alice", "bob"]) expect(container(run, member)["image"]).toBe(pinned);
    expect(run.outputs["image"]).toBe(pinned);
  });

  it("mounts three claims at the Docker volumes' paths; namespace and claims outlive the member", () => {
    const set = statefulSet(run, "alice");
    const pod = (set.inputs["spec"] as PodTemplateSpec).template.spec;
    expect(container(run, "alice")["volumeMounts"]).toEqual(VOLUME_KINDS.map((kind) => ({ name: kind, mountPath: VOLUMES[kind] })));
    expect(pod.volumes).toEqual(VOLUME_KINDS.map((kind) => ({ name: kind, persistentVolumeClaim: { claimName: `opencode-${kind}` } })));
    const retained = byMember(run, "alice").filter((r) => r.options.retainOnDelete).map((r) => r.type).sort();
    expect(retained).toEqual([K8S.namespace, ...VOLUME_KINDS.map(() => K8S.claim)].sort());
    for (const kind of VOLUME_KINDS) {
      const claim = run.resources.find((r) => r.name === `alice-${kind}`)!;
      expect(claim.inputs["spec"]).toEqual({ accessModes: ["ReadWriteOnce"], resources: { requests: { storage: kind === "projects" ? "10Gi" : "1Gi" } } });
    }
  });

  it("probes with the image's health check at the Docker timing, and stops with the Docker grace", () => {
    const c = container(run, "alice");
    const every = { exec: { command: [IMAGE_PATHS.healthcheck] }, periodSeconds: parseInt(HEALTHCHECK_TIMING.interval), timeoutSeconds: parseInt(HEALTHCHECK_TIMING.timeout) };
    expect(c["readinessProbe"]).toEqual({ ...every, failureThreshold: HEALTHCHECK_TIMING.retries });
    expect(c["livenessProbe"]).toEqual({ ...every, failureThreshold: HEALTHCHECK_TIMING.retries });
    expect(c["startupProbe"]).toEqual({ ...every, failureThreshold: parseInt(HEALTHCHECK_TIMING.startPeriod) / parseInt(HEALTHCHECK_TIMING.interval) });
    expect(c["ports"]).toEqual([{ name: "http", containerPort: SANDBOX_PORT, protocol: "TCP" }]);
    expect((statefulSet(run, "alice").inputs["spec"] as PodTemplateSpec).template.spec.terminationGracePeriodSeconds).toBe(CONTAINER_POLICY.stopGraceSeconds);
  });

  it("runs as the sandbox user with no capability, no escalation, no API token; requests within limits", () => {
    const pod = (statefulSet(run, "alice").inputs["spec"] as PodTemplateSpec).template.spec;
    expect(pod.securityContext).toMatchObject({ runAsUser: SANDBOX_USER.uid, runAsGroup: SANDBOX_USER.gid, fsGroup: SANDBOX_USER.gid, runAsNonRoot: true });
    expect(pod.automountServiceAccountToken).toBe(false);
    const c = container(run, "alice");
    expect(c["securityContext"]).toMatchObject({ allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ["ALL"] } });
    expect(c["resources"]).toEqual({ requests: { cpu: "250m", memory: "1Gi" }, limits: { cpu: "2", memory: "4Gi" } });
    expect(c["env"]).toEqual([{ name: AUTH_ENV.password, valueFrom: { secretKeyRef: { name: "opencode-password", key: "password" } } }]);
  });

  it("exposes the sandbox only through a ClusterIP Service; the NetworkPolicy admits nobody without an Ingress", () => {
    const service = run.resources.find((r) => r.name === "alice-service")!;
    expect(service.inputs["spec"]).toMatchObject({ type: "ClusterIP", ports: [{ port: SANDBOX_PORT, targetPort: "http" }] });
    const policy = run.resources.find((r) => r.name === "alice-network")!;
    expect(policy.inputs["spec"]).toEqual({ podSelector: { matchLabels: { "app.kubernetes.io/name": expect.any(String), "app.kubernetes.io/instance": "alice" } }, policyTypes: ["Ingress"] });
    expect(run.resources.filter((r) => r.type === K8S.ingress)).toEqual([]);
  });

  it("tells each member how to reach the sandbox and read the password", () => {
    expect(run.outputs["members"]).toEqual({
      alice: {
        namespace: "opencode-alice",
        url: `http://127.0.0.1:${SANDBOX_PORT}`,
        portForward: `kubectl -n opencode-alice port-forward service/opencode ${SANDBOX_PORT}:${SANDBOX_PORT}`,
        username: "opencode",
        password: "kubectl -n opencode-alice get secret opencode-password -o jsonpath='{.data.password}' | base64 -d",
      },
      bob: expect.objectContaining({ namespace: "opencode-bob" }),
    });
  });

  it("keeps every password a secret: in the Secret's inputs only, never plain in inputs, outputs or logs", () => {
    const passwords = ["alice", "bob"].map((m) => memberPassword(new Secret(TEAM_SEED), "team", m).reveal());
    expect(new Set(passwords).size).toBe(2);
    for (const member of ["alice", "bob"]) {
      const secret = run.resources.find((r) => r.name === `${member}-password`)!;
      expect(secret.secretInputs).toEqual(["stringData"]);
      expect(secret.inputs["stringData"]).toEqual({ password: memberPassword(new Secret(TEAM_SEED), "team", member).reveal() });
    }
    for (const r of run.resources) {
      const plain = JSON.stringify(Object.fromEntries(Object.entries(r.inputs).filter(([k]) => !r.secretInputs.includes(k))));
      for (const p of [...passwords, TEAM_SEED]) expect(plain, r.name).not.toContain(p);
    }
    const outputs = JSON.stringify(run.outputs) + JSON.stringify(run.logs);
    for (const p of [...passwords, TEAM_SEED]) expect(outputs).not.toContain(p);
  });
});

describe("changing the team", () => {
  const two = [{ name: "alice" }, { name: "bob" }];

  it("adding a third member touches nothing of the first two", async () => {
    const before = await runProgram({ stack: "team", overrides: teamOverrides(two) });
    const after = await runProgram({ stack: "team", overrides: teamOverrides([...two, { name: "carol" }]) });
    for (const member of ["alice", "bob"]) expect(fingerprint(byMember(after, member))).toEqual(fingerprint(byMember(before, member)));
    const added = after.resources.filter((r) => !before.resources.some((b) => b.urn === r.urn));
    expect(added.length).toBeGreaterThan(0);
    expect(added.every((r) => r.name === "carol" || r.name.startsWith("carol-"))).toBe(true);
  });

  it("removing a member removes only theirs, and of theirs the engine keeps the namespace and the claims", async () => {
    const before = await runProgram({ stack: "team", overrides: teamOverrides(two) });
    const after = await runProgram({ stack: "team", overrides: teamOverrides([{ name: "alice" }]) });
    expect(fingerprint(byMember(after, "alice"))).toEqual(fingerprint(byMember(before, "alice")));
    const gone = before.resources.filter((r) => !after.resources.some((a) => a.urn === r.urn));
    expect(gone.map((r) => r.name).sort()).toEqual(byMember(before, "bob").map((r) => r.name).sort());
    expect(gone.filter((r) => r.options.retainOnDelete).map((r) => r.name).sort()).toEqual(["bob-namespace", ...VOLUME_KINDS.map((k) => `bob-${k}`)].sort());
  });

  it("a new image changes only each StatefulSet's container image", async () => {
    const before = await runProgram({ stack: "team", overrides: teamOverrides(two) });
    const after = await runProgram({ stack: "team", overrides: { ...teamOverrides(two), "opencode-cloud:imageTag": "1.2.3" } });
    const changed = after.resources.filter((r) => JSON.stringify(r.inputs) !== JSON.stringify(before.resources.find((b) => b.urn === r.urn)?.inputs));
    expect(changed.map((r) => r.type)).toEqual([K8S.statefulSet, K8S.statefulSet]);
    for (const r of changed) {
      const old = before.resources.find((b) => b.urn === r.urn)!;
      const oldSpec = structuredClone(old.inputs["spec"]) as PodTemplateSpec;
      const newSpec = structuredClone(r.inputs["spec"]) as PodTemplateSpec;
      expect(newSpec.template.spec.containers[0]!["image"]).toBe(`${IMAGE_NAMES.dockerHub}@${fakeDigest(`${IMAGE_NAMES.dockerHub}:1.2.3`)}`);
      newSpec.template.spec.containers[0]!["image"] = oldSpec.template.spec.containers[0]!["image"];
      expect(newSpec).toEqual(oldSpec);
      expect(r.options).toEqual(old.options);
    }
  });

  it("a member with a host gets an Ingress (TLS from the named Secret) that the NetworkPolicy admits from the controller only", async () => {
    const run = await runProgram({
      stack: "team",
      overrides: teamOverrides([{ name: "alice", host: "alice.dev.example.com", tlsSecret: "alice-tls" }, { name: "bob" }], {
        "opencode-cloud:teamIngressNamespace": "ingress-nginx",
        "opencode-cloud:teamIngressClass": "nginx",
      }),
    });
    const ingress = run.resources.filter((r) => r.type === K8S.ingress);
    expect(ingress.map((r) => r.name)).toEqual(["alice-ingress"]);
    expect(ingress[0]!.inputs["spec"]).toEqual({
      ingressClassName: "nginx",
      tls: [{ hosts: ["alice.dev.example.com"], secretName: "alice-tls" }],
      rules: [{ host: "alice.dev.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "opencode", port: { name: "http" } } } }] } }],
    });
    expect(run.resources.find((r) => r.name === "alice-network")!.inputs["spec"]).toMatchObject({
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }], ports: [{ port: SANDBOX_PORT, protocol: "TCP" }] }],
    });
    expect(run.resources.find((r) => r.name === "bob-network")!.inputs["spec"]).not.toHaveProperty("ingress");
    expect((run.outputs["members"] as Record<string, { url: string; portForward: string }>)["alice"]).toMatchObject({ url: "https://alice.dev.example.com", portForward: "" });
  });
});

interface PodTemplateSpec {
  template: { spec: { containers: Record<string, unknown>[]; volumes: unknown; securityContext: unknown; automountServiceAccountToken: boolean; terminationGracePeriodSeconds: number } };
}

function statefulSet(run: ProgramRun, member: string): DeclaredResource {
  return run.resources.find((r) => r.type === K8S.statefulSet && r.name === `${member}-sandbox`)!;
}

function container(run: ProgramRun, member: string): Record<string, unknown> {
  return (statefulSet(run, member).inputs["spec"] as PodTemplateSpec).template.spec.containers[0]!;
}
