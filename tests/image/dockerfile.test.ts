import { validate } from "dockerfile-utils";
import { describe, expect, it } from "vitest";
import { BUILD_ARGS } from "../../src/image/source.js";
import { AUTH_ENV, DEFAULT_AUTH_USERNAME, HEALTH_ROUTE, HEALTHCHECK_TIMING, IMAGE_LABELS, IMAGE_PATHS, IMAGE_TOOLSET_FILE, PERSISTED_STATE, SANDBOX_PORT, SANDBOX_USER, TOOLSETS, VOLUMES } from "../../src/facts.js";
import { aptPackages, closure, dockerfileText, loadManifest, parseDockerfile, readImageFile, type Stage } from "./support.js";

const text = dockerfileText();
const df = parseDockerfile(text);
const manifest = loadManifest();
const final = df.stages.at(-1)!;
const steps = (stage: Stage, keyword: string) => stage.steps.filter((s) => s.keyword === keyword);
const OCI = ["title", "description", "source", "licenses", "version", "revision", "created"];

describe("image/Dockerfile parses and lints clean", () => {
  it("has no errors or warnings from dockerfile-utils", () => {
    expect(validate(text).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it("builds with the Dockerfile frontend built into docker 20.10: no syntax directive, heredoc or start-interval", () => {
    expect(text).not.toMatch(/^#\s*syntax\s*=/im);
    expect(text).not.toMatch(/<<-?\s*["']?[A-Z]+/);
    expect(text).not.toMatch(/--start-interval/);
  });

  it("pins the default base image by digest, overridable through BASE_IMAGE", () => {
    expect(df.globalArgs.get("BASE_IMAGE")).toMatch(/^ubuntu:24\.04@sha256:[0-9a-f]{64}$/);
    expect(df.stage("base").from).toBe("${BASE_IMAGE}");
  });

  it("declares every build argument the program's build source sets", () => {
    for (const arg of Object.values(BUILD_ARGS)) expect(df.globalArgs.has(arg), arg).toBe(true);
  });
});

describe("TOOLSET picks the stages BuildKit runs", () => {
  it("defaults to full and selects a stage named tools-<TOOLSET>", () => {
    expect(df.globalArgs.get("TOOLSET")).toBe("full");
    for (const t of TOOLSETS) expect(df.stage(`tools-${t}`).name).toBe(`tools-${t}`);
    expect(df.stage("tools").from).toBe("tools-${TOOLSET}");
    expect(final.from).toBe("tools");
  });

  it("with TOOLSET=runtime builds no download, crate or npm-tools stage", () => {
    const runtime = closure(df, final.name, { TOOLSET: "runtime" });
    const fetching = df.stages.filter((s) => s.steps.some((st) => /\binstall-tool\b/.test(st.args)));
    expect(fetching.length).toBeGreaterThan(20);
    expect(fetching.map((s) => s.name).filter((n) => runtime.has(n))).toEqual([]);
    expect([...runtime].filter((n) => /^(dl-|cargo-|rust$|npm-tools$|tools-full$)/.test(n))).toEqual([]);
    expect(runtime).toContain("opencode");
  });

  it("with TOOLSET=full builds every stage", () => {
    const full = closure(df, final.name, { TOOLSET: "full" });
    expect(df.stages.map((s) => s.name).filter((n) => !full.has(n))).toEqual(["tools-runtime"]);
  });
});

describe("every manifest tool is installed where its layer says", () => {
  const runtimeApt = aptPackages(df.stage("base"));
  const fullApt = aptPackages(df.stage("tools-full"));
  const SUPPORT_PACKAGES = ["ca-certificates", "less", "procps", "tzdata"];

  for (const tool of manifest.tools) {
    it(`${tool.name} (${tool.install}, ${tool.layer})`, () => {
      switch (tool.install) {
        case "apt":
          for (const p of tool.packages) expect(tool.layer === "runtime" ? runtimeApt : fullApt).toContain(p);
          return;
        case "npm":
          // Installed by the npm-tools stage from the lockfile; its binaries linked from the spec's list.
          expect(closure(df, "tools-full")).toContain("npm-tools");
          return;
        case "npm-lockfile":
          expect(tool.layer).toBe("runtime");
          expect(steps(df.stage("opencode"), "RUN").some((s) => s.args.includes("fetch-opencode"))).toBe(true);
          expect(steps(final, "COPY").some((s) => /--from=opencode \S*\/usr\/local\/bin\/opencode /.test(s.args))).toBe(true);
          return;
        default: {
          // download, git, cargo, rustup: one stage reads this tool's spec and tools-full depends on it.
          const installers = df.stages.filter((s) => s.steps.some((st) => st.keyword === "COPY" && st.args.includes(`/spec/${tool.name}.json `)));
          expect(installers.map((s) => s.name)).toHaveLength(1);
          const installer = installers[0]!;
          if (tool.install !== "rustup") {
            expect(steps(installer, "RUN").some((s) => /\binstall-tool \/spec\.json\b/.test(s.args))).toBe(true);
          }
          expect(tool.layer).toBe("full");
          expect(closure(df, "tools-full")).toContain(installer.name);
        }
      }
    });
  }

  it("installs no apt package that the manifest does not account for", () => {
    const listed = manifest.tools.flatMap((t) => (t.install === "apt" ? t.packages : []));
    const extra = [...runtimeApt, ...fullApt].filter((p) => !listed.includes(p) && !SUPPORT_PACKAGES.includes(p));
    expect(extra).toEqual([]);
  });

  it("runs every download stage in parallel: each depends only on the fetcher and its own spec", () => {
    for (const s of df.stages.filter((x) => x.name.startsWith("dl-") && x.name !== "dl-gsd-opencode")) {
      expect(s.dependsOn.sort(), s.name).toEqual(["fetcher", "spec"]);
    }
    for (const s of df.stages.filter((x) => x.name.startsWith("cargo-"))) {
      expect(s.dependsOn.sort(), s.name).toEqual(["rust", "spec"]);
    }
  });

  it("keeps apt lists and .debs out of the image (cache mounts)", () => {
    for (const s of df.stages) {
      for (const run of steps(s, "RUN").filter((r) => r.args.includes("apt-get install"))) {
        expect(run.args, s.name).toContain("--mount=type=cache,target=/var/lib/apt/lists");
        expect(run.args, s.name).toContain("--mount=type=cache,target=/var/cache/apt");
      }
    }
  });
});

describe("the sandbox matches src/facts.ts", () => {
  it(`runs as ${SANDBOX_USER.name} (uid ${SANDBOX_USER.uid}) with home ${SANDBOX_USER.home}`, () => {
    const user = steps(df.stage("base"), "RUN").map((s) => s.args).find((a) => a.includes("useradd"))!;
    expect(user).toContain(`groupadd --gid ${SANDBOX_USER.gid} ${SANDBOX_USER.name}`);
    expect(user).toContain(`useradd --uid ${SANDBOX_USER.uid} --gid ${SANDBOX_USER.gid}`);
    expect(user).toContain(`--home-dir ${SANDBOX_USER.home} `);
    expect(user).toMatch(/userdel --remove ubuntu/);
    expect(user).toContain(`'${SANDBOX_USER.name} ALL=(ALL) NOPASSWD:ALL'`);
    expect(steps(final, "USER").at(-1)?.args).toBe(SANDBOX_USER.name);
    expect(steps(final, "WORKDIR").at(-1)?.args).toBe(SANDBOX_USER.home);
  });

  it("creates every volume mount point owned by the sandbox user", () => {
    const dirs = steps(df.stage("base"), "RUN").map((s) => s.args).find((a) => a.includes("install -d"))!;
    expect(dirs).toContain(`install -d -o ${SANDBOX_USER.uid} -g ${SANDBOX_USER.gid}`);
    for (const path of Object.values(VOLUMES)) expect(dirs.split(" ")).toContain(path);
  });

  it(`exposes ${SANDBOX_PORT} and checks health through ${IMAGE_PATHS.healthcheck}`, () => {
    expect(steps(final, "EXPOSE").map((s) => s.args)).toEqual([String(SANDBOX_PORT)]);
    const hc = steps(final, "HEALTHCHECK");
    expect(hc).toHaveLength(1);
    expect(hc[0]!.args).toMatch(new RegExp(`CMD \\["${IMAGE_PATHS.healthcheck}"\\]$`));
    const flags = Object.fromEntries([...hc[0]!.args.matchAll(/--([a-z-]+)=(\S+)/g)].map((m) => [m[1], m[2]]));
    const t = HEALTHCHECK_TIMING;
    expect(flags).toEqual({ interval: t.interval, timeout: t.timeout, "start-period": t.startPeriod, retries: String(t.retries) });
  });

  it("runs tini as PID 1 in front of the entrypoint", () => {
    expect(steps(final, "ENTRYPOINT").at(-1)?.args).toBe(JSON.stringify([IMAGE_PATHS.tini, "--", IMAGE_PATHS.entrypoint]).replace(/,/g, ", "));
    expect(aptPackages(df.stage("base"))).toContain("tini");
  });

  it("bakes in the scripts and the manifest at the paths in IMAGE_PATHS", () => {
    for (const p of [IMAGE_PATHS.entrypoint, IMAGE_PATHS.healthcheck, IMAGE_PATHS.selfTest]) {
      expect(readImageFile(`rootfs${p}`).startsWith("#!")).toBe(true);
    }
    // The files stage gathers them and sets their modes; the sandbox copies its tree to / once.
    const files = df.stage("files");
    expect(steps(files, "COPY").map((s) => s.args)).toEqual(["rootfs/ /out/rootfs/", "home/ /out/home/", `tools.json /out/rootfs${IMAGE_PATHS.toolManifest}`]);
    expect(steps(final, "COPY").map((s) => s.args)).toContain("--from=files /out/rootfs/ /");
    expect(steps(final, "COPY").map((s) => s.args)).toContain(`--from=files --chown=${SANDBOX_USER.uid}:${SANDBOX_USER.gid} /out/home/ ${SANDBOX_USER.home}/`);
    const modes = steps(files, "RUN").map((s) => s.args).join(" ");
    expect(modes).toMatch(/chmod -R a\+rX,go-w \/out\b/);
    const executables = /chmod 0755 ([^&]*)/.exec(modes)![1]!.trim().split(" ");
    expect(executables.sort()).toEqual([IMAGE_PATHS.entrypoint, IMAGE_PATHS.healthcheck, IMAGE_PATHS.selfTest, IMAGE_PATHS.syncDefaults].map((p) => `/out/rootfs${p}`).sort());
    expect(steps(final, "RUN").some((s) => s.args.includes(`echo "\${TOOLSET}" >${IMAGE_TOOLSET_FILE}`))).toBe(true);
  });

  it("labels the image with the OCI keys, from build args", () => {
    const labels = steps(final, "LABEL").map((s) => s.args).join(" ");
    for (const key of OCI) expect(labels).toContain(`org.opencontainers.image.${key}=`);
    expect(labels).toContain(`${IMAGE_LABELS.toolset}="\${TOOLSET}"`);
    expect(labels).toContain(`${IMAGE_LABELS.opencodeVersion}="\${OPENCODE_VERSION}"`);
    for (const arg of ["VERSION", "REVISION", "CREATED", "SOURCE"]) {
      expect(labels).toContain(`"\${${arg}}"`);
      expect(steps(final, "ARG").map((s) => s.args.split("=")[0])).toContain(arg);
    }
    // Deterministic when the args do not change: no build-time clock in a label default.
    expect(labels).not.toMatch(/\$\(date/);
  });

  it("the healthcheck script checks the health route on the port, with basic auth when a password is set", () => {
    const hc = readImageFile(`rootfs${IMAGE_PATHS.healthcheck}`);
    expect(hc).toContain(`:\${OPENCODE_HEALTH_PORT:-${SANDBOX_PORT}}${HEALTH_ROUTE}`);
    expect(hc).toContain(`\${${AUTH_ENV.password}:-}`);
    expect(hc).toContain(`\${${AUTH_ENV.username}:-${DEFAULT_AUTH_USERNAME}}`);
    // One check keeps asking for its budget: it must end before the engine's timeout kills it (a loaded host's exec
    // and curl starts get the second left).
    const budget = Number(/budget_ms=\$\{OPENCODE_HEALTH_BUDGET_MS:-(\d+)\}/.exec(hc)![1]);
    expect(budget).toBeLessThanOrEqual(parseInt(HEALTHCHECK_TIMING.timeout) * 1000 - 1000);
  });

  it("the entrypoint starts opencode web on the port and repairs exactly the volume tops", () => {
    const ep = readImageFile(`rootfs${IMAGE_PATHS.entrypoint}`);
    expect(ep).toMatch(/opencode_args=\(web --hostname 0\.0\.0\.0 --port "\$PORT"\)/);
    expect(ep).toContain(`PORT=${SANDBOX_PORT}`);
    expect(ep).toContain(`SANDBOX_UID=${SANDBOX_USER.uid}`);
    expect(ep).toContain(`SANDBOX_HOME=\${OPENCODE_SANDBOX_HOME:-${SANDBOX_USER.home}}`);
    const tops = /VOLUME_TOPS=\(([^)]*)\)/.exec(ep)![1]!.match(/"[^"]+"/g)!.map((s) => s.slice(1, -1).replace("$SANDBOX_HOME", SANDBOX_USER.home));
    expect(tops.sort()).toEqual(Object.values(VOLUMES).sort());
    expect(ep).not.toMatch(/chown\s+(-R|--recursive)/);
    // It reads the record opencode-sync-defaults writes (to skip the sync when it is up to date).
    const record = PERSISTED_STATE.defaultsRecord.replace(`${SANDBOX_USER.home}/.config/`, "");
    expect(ep).toContain(`record=$config_home/${record}`);
    expect(readImageFile(`rootfs${IMAGE_PATHS.syncDefaults}`)).toContain(`record=$dest/${record}`);
  });

  it("pins OPENCODE_VERSION to the version the lockfile and manifest pin", () => {
    const lock = JSON.parse(readImageFile("opencode/package-lock.json"));
    expect(df.globalArgs.get("OPENCODE_VERSION")).toBe(lock.packages["node_modules/opencode-ai"].version);
    expect(manifest.tools.find((t) => t.name === "opencode")?.version).toBe(df.globalArgs.get("OPENCODE_VERSION"));
  });

  it("sends only what the Dockerfile copies into the build context", () => {
    const ignore = readImageFile(".dockerignore").split("\n");
    expect(ignore).toContain("*");
    for (const s of df.stages.flatMap((x) => steps(x, "COPY")).filter((c) => !c.args.includes("--from="))) {
      const srcs = s.args.replace(/--chown=\S+ /, "").split(" ").slice(0, -1);
      for (const src of srcs) {
        const clean = src.replace(/\/$/, "");
        expect(ignore.includes(`!${clean}`) || ignore.includes(`!${clean.split("/")[0]}`), src).toBe(true);
      }
    }
  });
});
