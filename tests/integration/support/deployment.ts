// One "deployment" of the dev stack on the real engine: the program's declared volumes and container (from the
// Pulumi program under mocks), placed under a unique name prefix and a free loopback port so several can run on a
// shared engine, created through the harness. Cleans up everything it created. Used where the harness is kept
// (see the header of harness.ts): the image's own behaviour and the start-time benchmark, not the program's declaration.
import type Docker from "dockerode";
import { runProgram, TYPES, type RunOptions } from "../../support/program.js";
import { createContainer, createNetworks, createVolumes, destroyContainer, place, type DeclaredResource } from "./harness.js";
import { demux, freePort } from "./opencode.js";

let sequence = 0;

export class Deployment {
  container: Docker.Container | undefined;
  private constructor(
    readonly docker: Docker,
    readonly declared: DeclaredResource[],
    readonly hostPort: number,
    readonly prefix: string,
  ) {}

  /** Runs the program for the stack (dev unless told) and places its resources for this test run. */
  static async plan(docker: Docker, options: RunOptions = { stackFile: "dev" }): Promise<Deployment> {
    const run = await runProgram(options);
    const hostPort = await freePort();
    const prefix = `it${process.pid}-${sequence++}-`;
    const declared = place(
      run.resources.filter((r) => r.type === TYPES.volume || r.type === TYPES.network || r.type === TYPES.container).map((r) => ({ type: r.type, name: r.name, inputs: r.inputs })),
      { namePrefix: prefix, hostPort: () => hostPort },
    );
    return new Deployment(docker, declared, hostPort, prefix);
  }

  get containerDecl(): DeclaredResource {
    const c = this.declared.find((r) => r.type === TYPES.container);
    if (!c) throw new Error("the program declared no container");
    return c;
  }

  get volumeDecls(): DeclaredResource[] {
    return this.declared.filter((r) => r.type === TYPES.volume);
  }

  /** The declared host IP of the published port. */
  get hostIp(): string {
    const ports = (this.containerDecl.inputs.ports as { ip?: string }[] | undefined) ?? [];
    return ports[0]?.ip ?? "0.0.0.0";
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.hostPort}`;
  }

  get networkDecls(): DeclaredResource[] {
    return this.declared.filter((r) => r.type === TYPES.network);
  }

  /** Creates the declared volumes, and the stack's network (the container cannot start without it). */
  async createVolumes(): Promise<string[]> {
    await createNetworks(this.docker, this.networkDecls);
    return createVolumes(this.docker, this.volumeDecls);
  }

  /** Creates and starts the container on `imageId`, waiting for healthy as the provider does with `wait`. */
  async createContainer(imageId: string): Promise<Docker.Container> {
    this.container = await createContainer(this.docker, this.containerDecl, imageId);
    return this.container;
  }

  /** The provider's destroy of the container (volumes are separate resources and stay). */
  async destroyContainer(): Promise<void> {
    if (this.container) await destroyContainer(this.container, this.containerDecl);
    this.container = undefined;
  }

  /** Removes everything this deployment created, volumes included. */
  async cleanup(): Promise<void> {
    const containers = await this.docker.listContainers({ all: true, filters: { name: [this.prefix] } });
    for (const c of containers) await this.docker.getContainer(c.Id).remove({ force: true, v: true });
    for (const v of this.volumeDecls) await this.docker.getVolume(String(v.inputs.name)).remove().catch(() => undefined);
    for (const n of this.networkDecls) await this.docker.getNetwork(String(n.inputs.name)).remove().catch(() => undefined);
  }
}

/** Runs a throwaway root container of `image` with every declared volume mounted, e.g. to seed or break volumes. */
export async function runWithVolumes(deployment: Deployment, image: string, script: string): Promise<string> {
  const docker = deployment.docker;
  const mounts = ((deployment.containerDecl.inputs.mounts as { source: string; target: string }[]) ?? []).map((m) => ({
    Type: "volume" as const,
    Source: m.source,
    Target: m.target,
  }));
  const c = await docker.createContainer({
    Image: image,
    User: "0",
    Entrypoint: ["/bin/sh", "-c", script],
    Cmd: [],
    HostConfig: { Mounts: mounts },
    Healthcheck: { Test: ["NONE"] },
  });
  try {
    await c.start();
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    const logs = demux(await c.logs({ stdout: true, stderr: true }));
    if (StatusCode !== 0) throw new Error(`helper script failed (${StatusCode}): ${logs}`);
    return logs;
  } finally {
    await c.remove({ force: true });
  }
}
