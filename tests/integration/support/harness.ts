// Kept for what only it proves quickly (issue 9): sandbox.test.ts, workspace.test.ts and browser.test.ts (SIGKILL and
// restart, a 100k-file workspace, ownership repair, the browser) and bench/start-time.ts create dozens of short-lived
// containers of the dev stack's declaration, each in seconds where `npm run up` costs 30-60 s. What the program
// declares (capabilities, limits, network, auth) and every day-two command run on the container the real Pulumi CLI
// creates instead (hardening.test.ts, day-two.test.ts, pulumi-cli.test.ts, pulumi-up.test.ts).
//
// A small test harness that creates, on a real Docker engine, the docker.Volume and docker.Container resources the
// Pulumi program declares (as captured under mocks by tests/support/program.ts). It is not a provider: it maps each
// input field the way the docker provider (terraform-provider-docker, which @pulumi/docker 5.x wraps) maps it onto
// the Engine API, and refuses any field it does not know, so a field the program adds later can never be silently
// dropped here.
//
// Field mapping (provider input -> Engine API create body):
//   Volume:    name -> Name, driver -> Driver, driverOpts -> DriverOpts, labels[{label,value}] -> Labels
//   Network:   name -> Name, driver -> Driver (default bridge), options -> Options, internal -> Internal,
//              attachable -> Attachable, labels[{label,value}] -> Labels (CheckDuplicate: the provider checks too)
//   Container: image -> Image (an image ID under the program; the caller substitutes the test image's ID)
//              name -> name, envs -> Env, command -> Cmd, entrypoints -> Entrypoint, user -> User,
//              workingDir -> WorkingDir, hostname -> Hostname, labels -> Labels, stopSignal/stopTimeout,
//              ports[{internal,external,ip="0.0.0.0",protocol="tcp"}] -> ExposedPorts + HostConfig.PortBindings,
//              mounts[{type,source,target,readOnly,volumeOptions{noCopy,labels,driverName,driverOptions,subpath}}]
//                -> HostConfig.Mounts, volumes[{volumeName|hostPath,containerPath,readOnly}] -> HostConfig.Binds,
//              healthcheck{tests,interval,timeout,startPeriod,startInterval,retries} -> Healthcheck (Go durations
//                -> ns), init -> HostConfig.Init, restart (+maxRetryCount) -> HostConfig.RestartPolicy,
//              logDriver="json-file"/logOpts -> HostConfig.LogConfig, capabilities{adds,drops} -> CapAdd/CapDrop
//                (names as given; the engine accepts them with or without CAP_), securityOpts -> SecurityOpt,
//              readOnly -> ReadonlyRootfs, privileged, memory/memorySwap/shmSize (MB) -> bytes, cpuShares,
//              cpuSet -> CpusetCpus, cpus -> NanoCpus, tmpfs, ulimits[{name,soft,hard}] -> Ulimits, sysctls, pidMode,
//              ipcMode, networkMode -> NetworkMode (a user-defined network's name: attached to it alone), groupAdds, dns/dnsOpts/dnsSearches, hosts -> ExtraHosts.
//   Lifecycle fields: start (default true) starts it; wait/waitTimeout make create wait for `healthy`;
//              destroyGraceSeconds is the stop timeout of destroy(); removeVolumes (default true: anonymous
//              volumes only, named volumes always stay) is honoured by destroy().
import type Docker from "dockerode";
import { waitForEngineHealthy } from "./opencode.js";

/** A resource as the program declares it under mocks: Pulumi type token, logical name, resolved inputs. */
export interface DeclaredResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export const VOLUME_TYPE = "docker:index/volume:Volume";
export const NETWORK_TYPE = "docker:index/network:Network";
export const CONTAINER_TYPE = "docker:index/container:Container";

/** Go's time.ParseDuration for the units healthchecks use, to nanoseconds ("1m30s", "500ms", "10s"). */
export function goDurationToNs(text: string): number {
  const units: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (units[m[2]!] ?? 0);
    consumed = re.lastIndex;
  }
  if (text === "0") return 0;
  if (consumed === 0 || consumed !== text.length) throw new Error(`healthcheck duration "${text}" is not a Go duration such as 30s or 1m30s`);
  return Math.round(total);
}

type Rec = Record<string, unknown>;
const str = (v: unknown): string => String(v);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(str) : []);
const labelMap = (v: unknown): Record<string, string> =>
  Object.fromEntries((Array.isArray(v) ? (v as Rec[]) : []).map((l) => [str(l.label), str(l.value)]));
const MB = 1024 * 1024;

function refuseUnknown(kind: string, inputs: Rec, known: readonly string[]): void {
  const unknown = Object.keys(inputs).filter((k) => inputs[k] !== undefined && !known.includes(k));
  if (unknown.length > 0) {
    throw new Error(`harness: ${kind} input(s) ${unknown.join(", ")} are not mapped; allowed: ${known.join(", ")}`);
  }
}

const VOLUME_FIELDS = ["name", "driver", "driverOpts", "labels"] as const;

export function volumeCreateOptions(inputs: Rec): Docker.VolumeCreateOptions {
  refuseUnknown("Volume", inputs, VOLUME_FIELDS);
  if (typeof inputs.name !== "string") throw new Error("harness: Volume needs a name (the program names its volumes)");
  return {
    Name: inputs.name,
    Driver: inputs.driver === undefined ? "local" : str(inputs.driver),
    DriverOpts: (inputs.driverOpts as Record<string, string> | undefined) ?? {},
    Labels: labelMap(inputs.labels),
  };
}

const NETWORK_FIELDS = ["name", "driver", "options", "internal", "attachable", "labels"] as const;

export function networkCreateOptions(inputs: Rec): Docker.NetworkCreateOptions {
  refuseUnknown("Network", inputs, NETWORK_FIELDS);
  if (typeof inputs.name !== "string") throw new Error("harness: Network needs a name (the program names its network)");
  return {
    Name: inputs.name,
    Driver: inputs.driver === undefined ? "bridge" : str(inputs.driver),
    Options: (inputs.options as Record<string, string> | undefined) ?? {},
    Internal: inputs.internal === true,
    Attachable: inputs.attachable === true,
    CheckDuplicate: true,
    Labels: labelMap(inputs.labels),
  };
}

const CONTAINER_FIELDS = [
  "image", "name", "envs", "command", "entrypoints", "user", "workingDir", "hostname", "domainname", "labels",
  "stopSignal", "stopTimeout", "ports", "mounts", "volumes", "healthcheck", "init", "restart", "maxRetryCount",
  "logDriver", "logOpts", "capabilities", "securityOpts", "readOnly", "privileged", "memory", "memorySwap", "shmSize",
  "cpuShares", "cpuSet", "cpus", "tmpfs", "ulimits", "sysctls", "pidMode", "ipcMode", "networkMode", "groupAdds",
  "dns", "dnsOpts", "dnsSearches", "hosts", "start", "wait", "waitTimeout", "mustRun", "destroyGraceSeconds",
  "removeVolumes", "attach", "logs", "rm", "tty", "stdinOpen",
] as const;

function portBindings(ports: unknown): Pick<Docker.ContainerCreateOptions, "ExposedPorts"> & { PortBindings: Docker.PortMap } {
  const exposed: Record<string, object> = {};
  const bindings: Docker.PortMap = {};
  for (const p of (Array.isArray(ports) ? ports : []) as Rec[]) {
    const key = `${str(p.internal)}/${p.protocol === undefined ? "tcp" : str(p.protocol)}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({
      HostIp: p.ip === undefined ? "0.0.0.0" : str(p.ip),
      HostPort: p.external === undefined ? "" : str(p.external),
    });
  }
  return { ExposedPorts: exposed, PortBindings: bindings };
}

function mounts(list: unknown): Docker.MountSettings[] {
  return ((Array.isArray(list) ? list : []) as Rec[]).map((m) => {
    const vo = m.volumeOptions as Rec | undefined;
    const bo = m.bindOptions as Rec | undefined;
    const to = m.tmpfsOptions as Rec | undefined;
    const mount: Docker.MountSettings & Rec = {
      Target: str(m.target),
      Source: m.source === undefined ? "" : str(m.source),
      Type: str(m.type) as Docker.MountType,
      ReadOnly: m.readOnly === true,
    };
    if (vo) {
      mount.VolumeOptions = {
        NoCopy: vo.noCopy === true,
        Labels: labelMap(vo.labels),
        ...(vo.driverName === undefined ? {} : { DriverConfig: { Name: str(vo.driverName), Options: (vo.driverOptions as Record<string, string>) ?? {} } }),
        ...(vo.subpath === undefined ? {} : { Subpath: str(vo.subpath) }),
      } as Docker.MountSettings["VolumeOptions"];
    }
    if (bo?.propagation !== undefined) mount.BindOptions = { Propagation: str(bo.propagation) as Docker.MountPropagation };
    if (to) mount.TmpfsOptions = { SizeBytes: Number(to.sizeBytes ?? 0), Mode: Number(to.mode ?? 0) };
    return mount;
  });
}

function binds(list: unknown): string[] {
  return ((Array.isArray(list) ? list : []) as Rec[]).map((v) => {
    if (v.fromContainer !== undefined) throw new Error("harness: volumes[].fromContainer is not mapped");
    const source = v.volumeName ?? v.hostPath;
    if (source === undefined || v.containerPath === undefined) throw new Error("harness: volumes[] needs volumeName or hostPath, and containerPath");
    return `${str(source)}:${str(v.containerPath)}${v.readOnly === true ? ":ro" : ""}`;
  });
}

function healthcheck(h: unknown): Docker.HealthConfig | undefined {
  if (h === undefined) return undefined;
  const hc = h as Rec;
  const ns = (v: unknown): number | undefined => (v === undefined ? undefined : goDurationToNs(str(v)));
  const out: Docker.HealthConfig = { Test: strs(hc.tests) };
  const set = <K extends keyof Docker.HealthConfig>(k: K, v: Docker.HealthConfig[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set("Interval", ns(hc.interval));
  set("Timeout", ns(hc.timeout));
  set("StartPeriod", ns(hc.startPeriod));
  set("StartInterval", ns(hc.startInterval));
  set("Retries", hc.retries === undefined ? undefined : Number(hc.retries));
  return out;
}

/** The Engine API create body for a declared docker.Container (image replaced by `imageId`). */
export function containerCreateOptions(inputs: Rec, imageId: string): Docker.ContainerCreateOptions {
  refuseUnknown("Container", inputs, CONTAINER_FIELDS);
  const { ExposedPorts, PortBindings } = portBindings(inputs.ports);
  const caps = inputs.capabilities as Rec | undefined;
  const hostConfig: Docker.HostConfig & Rec = {
    PortBindings,
    Mounts: mounts(inputs.mounts),
    Binds: binds(inputs.volumes),
    Init: inputs.init === true,
    RestartPolicy: {
      Name: inputs.restart === undefined ? "no" : str(inputs.restart),
      ...(inputs.restart === "on-failure" ? { MaximumRetryCount: Number(inputs.maxRetryCount ?? 0) } : {}),
    },
    LogConfig: {
      Type: inputs.logDriver === undefined ? "json-file" : str(inputs.logDriver),
      Config: (inputs.logOpts as Record<string, string> | undefined) ?? {},
    },
    CapAdd: strs(caps?.adds),
    CapDrop: strs(caps?.drops),
    SecurityOpt: strs(inputs.securityOpts),
    ReadonlyRootfs: inputs.readOnly === true,
    Privileged: inputs.privileged === true,
    GroupAdd: strs(inputs.groupAdds),
    Dns: strs(inputs.dns),
    DnsOptions: strs(inputs.dnsOpts),
    DnsSearch: strs(inputs.dnsSearches),
    ExtraHosts: ((inputs.hosts as Rec[] | undefined) ?? []).map((h) => `${str(h.host)}:${str(h.ip)}`),
  };
  const optional: Array<[string, unknown]> = [
    ["Memory", inputs.memory === undefined ? undefined : Number(inputs.memory) * MB],
    ["MemorySwap", inputs.memorySwap === undefined ? undefined : Number(inputs.memorySwap) * MB],
    ["ShmSize", inputs.shmSize === undefined ? undefined : Number(inputs.shmSize) * MB],
    ["CpuShares", inputs.cpuShares],
    ["CpusetCpus", inputs.cpuSet],
    ["NanoCpus", inputs.cpus === undefined ? undefined : Math.round(Number(inputs.cpus) * 1e9)],
    ["Tmpfs", inputs.tmpfs],
    ["Sysctls", inputs.sysctls],
    ["PidMode", inputs.pidMode],
    ["IpcMode", inputs.ipcMode],
    ["NetworkMode", inputs.networkMode],
    ["Ulimits", (inputs.ulimits as Rec[] | undefined)?.map((u) => ({ Name: str(u.name), Soft: Number(u.soft), Hard: Number(u.hard) }))],
  ];
  for (const [k, v] of optional) if (v !== undefined) hostConfig[k] = v;

  const body: Docker.ContainerCreateOptions & Rec = {
    Image: imageId,
    Env: strs(inputs.envs),
    Labels: labelMap(inputs.labels),
    ExposedPorts,
    HostConfig: hostConfig,
    Tty: inputs.tty === true,
    OpenStdin: inputs.stdinOpen === true,
  };
  if (inputs.name !== undefined) body.name = str(inputs.name);
  const hc = healthcheck(inputs.healthcheck);
  if (hc) body.Healthcheck = hc;
  const direct: Array<[string, unknown]> = [
    ["Cmd", inputs.command === undefined ? undefined : strs(inputs.command)],
    ["Entrypoint", inputs.entrypoints === undefined ? undefined : strs(inputs.entrypoints)],
    ["User", inputs.user],
    ["WorkingDir", inputs.workingDir],
    ["Hostname", inputs.hostname],
    ["Domainname", inputs.domainname],
    ["StopSignal", inputs.stopSignal],
    ["StopTimeout", inputs.stopTimeout],
  ];
  for (const [k, v] of direct) if (v !== undefined) body[k] = v;
  return body;
}

/** What to change when running the declared resources side by side with other users of the same engine. */
export interface Placement {
  /** Prefix for every volume and container name (mount sources that name a declared volume follow). */
  namePrefix: string;
  /** Host port to publish instead of each declared external port (keeps the declared host IP). */
  hostPort?: (declared: number | undefined) => number;
}

/** Applies a Placement to declared inputs: names prefixed, volume references followed, host ports moved. */
export function place(resources: DeclaredResource[], placement: Placement): DeclaredResource[] {
  const volumeNames = new Set(resources.filter((r) => r.type === VOLUME_TYPE).map((r) => str(r.inputs.name)));
  const networkNames = new Set(resources.filter((r) => r.type === NETWORK_TYPE).map((r) => str(r.inputs.name)));
  const rename = (n: unknown): unknown => (typeof n === "string" ? `${placement.namePrefix}${n}` : n);
  return resources.map((r) => {
    const inputs: Rec = { ...r.inputs };
    if (r.type === VOLUME_TYPE || r.type === CONTAINER_TYPE || r.type === NETWORK_TYPE) inputs.name = rename(inputs.name);
    if (r.type === CONTAINER_TYPE) {
      if (networkNames.has(str(inputs.networkMode))) inputs.networkMode = rename(inputs.networkMode);
      inputs.mounts = (inputs.mounts as Rec[] | undefined)?.map((m) =>
        m.type === "volume" && volumeNames.has(str(m.source)) ? { ...m, source: rename(m.source) } : m,
      );
      inputs.volumes = (inputs.volumes as Rec[] | undefined)?.map((v) =>
        volumeNames.has(str(v.volumeName)) ? { ...v, volumeName: rename(v.volumeName) } : v,
      );
      const hostPort = placement.hostPort;
      if (hostPort) {
        inputs.ports = (inputs.ports as Rec[] | undefined)?.map((p) => ({ ...p, external: hostPort(p.external as number | undefined) }));
      }
    }
    return { ...r, inputs };
  });
}

/** Creates the declared volumes. */
export async function createVolumes(docker: Docker, declared: DeclaredResource[]): Promise<string[]> {
  const names: string[] = [];
  for (const r of declared.filter((d) => d.type === VOLUME_TYPE)) {
    const options = volumeCreateOptions(r.inputs);
    await docker.createVolume(options);
    names.push(options.Name!);
  }
  return names;
}

/** Creates the declared networks (none exists yet under that name). */
export async function createNetworks(docker: Docker, declared: DeclaredResource[]): Promise<string[]> {
  const names: string[] = [];
  for (const r of declared.filter((d) => d.type === NETWORK_TYPE)) {
    const options = networkCreateOptions(r.inputs);
    await docker.createNetwork(options);
    names.push(options.Name);
  }
  return names;
}

/** Creates and (unless `start: false`) starts the declared container on `imageId`; with `wait`, until healthy. */
export async function createContainer(docker: Docker, declared: DeclaredResource, imageId: string): Promise<Docker.Container> {
  const container = await docker.createContainer(containerCreateOptions(declared.inputs, imageId));
  if (declared.inputs.start === false) return container;
  const started = Date.now();
  await container.start();
  // The provider's default waitTimeout is 60 s.
  if (declared.inputs.wait === true) await waitForEngineHealthy(container, started, Number(declared.inputs.waitTimeout ?? 60) * 1000);
  return container;
}

/** The provider's destroy: stop within destroyGraceSeconds, then remove (volumes only when removeVolumes). */
export async function destroyContainer(container: Docker.Container, declared: DeclaredResource): Promise<void> {
  const grace = declared.inputs.destroyGraceSeconds;
  try {
    await container.stop(grace === undefined ? {} : { t: Number(grace) });
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 304) throw e; // 304: already stopped
  }
  await container.remove({ v: declared.inputs.removeVolumes !== false }); // provider default: true (anonymous volumes only)
}
