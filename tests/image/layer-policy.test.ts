import { describe, expect, it } from "vitest";
import { TOOLSETS } from "../../src/facts.js";
import { layerRewrites, shellCommands } from "./layer-policy.js";
import { dockerfileText, parseDockerfile, shippedStages } from "./support.js";

/** The findings for a Dockerfile text's final stage (with TOOLSET when it has one). */
const findingsOf = (text: string, args: Record<string, string> = {}) => {
  const df = parseDockerfile(text);
  return layerRewrites(shippedStages(df, df.stages.at(-1)!.name, args));
};

describe("shellCommands splits a RUN line into commands", () => {
  it.each([
    ["a && b -x 'c d' ; e | f", [["a"], ["b", "-x", "c d"], ["e"], ["f"]]],
    ['echo "x" >/etc/y 2>/dev/null && chmod 0440 /etc/y', [["echo", "x"], ["chmod", "0440", "/etc/y"]]],
    ["if id -u ubuntu >/dev/null 2>&1; then userdel --remove ubuntu; fi", [["id", "-u", "ubuntu"], ["userdel", "--remove", "ubuntu"]]],
    ["while read -r bin; do ln -s a b; done </tmp/list", [["read", "-r", "bin"], ["ln", "-s", "a", "b"]]],
    ["FOO=1 sudo chown -R 1000 /home", [["chown", "-R", "1000", "/home"]]],
  ])("%s", (line, expected) => {
    expect(shellCommands(line).map((c) => c.words)).toEqual(expected);
  });

  it("keeps redirect targets apart from the words", () => {
    expect(shellCommands("echo full >/usr/share/x 2>&1").map((c) => c.writes)).toEqual([["/usr/share/x"]]);
  });
});

describe("no shipped RUN rewrites the files of an earlier layer", () => {
  it.each(TOOLSETS.map((t) => [t]))("the real image/Dockerfile, TOOLSET=%s", (toolset) => {
    const df = parseDockerfile(dockerfileText());
    const shipped = shippedStages(df, df.stages.at(-1)!.name, { TOOLSET: toolset });
    expect(shipped.map((s) => s.name)).toContain("base");
    expect(layerRewrites(shipped)).toEqual([]);
  });

  // The final RUN that made the sandbox image store its config defaults twice (dive: 114.9 MB wasted).
  const REGRESSION = `
FROM debian AS base
RUN mkdir -p /usr/local/share/opencode-cloud
FROM base AS sandbox
COPY --from=opencode /out/home/opencode/.config/opencode /usr/local/share/opencode-cloud/config-defaults/opencode
COPY rootfs/ /
RUN echo "\${TOOLSET}" >/usr/local/share/opencode-cloud/toolset \\
    && chmod 0755 /usr/local/bin/opencode-entrypoint \\
    && chmod -R a+rX /usr/local/share/opencode-cloud/config-defaults
`;

  it("catches the recursive chmod over the copied config defaults, and the chmod of a copied script", () => {
    expect(findingsOf(REGRESSION)).toEqual([
      { stage: "sandbox", command: "chmod 0755 /usr/local/bin/opencode-entrypoint", paths: ["/usr/local/bin/opencode-entrypoint"] },
      { stage: "sandbox", command: "chmod -R a+rX /usr/local/share/opencode-cloud/config-defaults", paths: ["/usr/local/share/opencode-cloud/config-defaults"] },
    ]);
  });

  it.each([
    ["a recursive chown in a parent stage", "FROM debian AS base\nRUN chown -R 1000:1000 /home\nFROM base AS final\nRUN true", "base"],
    ["chgrp with --recursive", "FROM debian AS final\nRUN chgrp --recursive staff /opt", "final"],
    ["find -exec chmod", "FROM debian AS final\nRUN find /opt -type f -exec chmod 0644 {} +", "final"],
    ["a chmod of a path made by an earlier RUN", "FROM debian AS final\nRUN mkdir /x\nRUN chmod 0700 /x", "final"],
    ["chmod --reference", "FROM debian AS final\nRUN touch /y && chmod --reference=/y /etc/passwd", "final"],
    ["a chmod behind a --mount flag", "FROM debian AS final\nRUN --mount=type=cache,target=/c chmod -R 0755 /usr", "final"],
  ])("catches %s", (_, text, stage) => {
    expect(findingsOf(text).map((f) => f.stage)).toEqual([stage]);
  });

  it.each([
    ["modes set on what the same RUN wrote", "FROM debian AS final\nRUN echo x >/etc/sudoers.d/u && chmod 0440 /etc/sudoers.d/u"],
    ["a recursive chmod over a directory the same RUN made", "FROM debian AS final\nRUN mkdir -p /opt/x && cp -a /src/. /opt/x && chmod -R a+rX /opt/x"],
    ["install -d with an owner", "FROM debian AS final\nRUN install -d -o 1000 /home/u/.cache && chown 1000 /home/u/.cache"],
    ["a recursive chmod in a stage the image only copies from", "FROM debian AS src\nRUN chmod -R a+rX /out\nFROM debian AS final\nCOPY --from=src /out/ /"],
  ])("allows %s", (_, text) => {
    expect(findingsOf(text)).toEqual([]);
  });

  it("follows FROM through the TOOLSET argument to the stages that ship", () => {
    const text = "ARG TOOLSET=a\nFROM debian AS tools-a\nRUN chmod -R 0755 /usr\nFROM debian AS tools-b\nFROM tools-${TOOLSET} AS final\nRUN true";
    expect(findingsOf(text, { TOOLSET: "a" }).map((f) => f.stage)).toEqual(["tools-a"]);
    expect(findingsOf(text, { TOOLSET: "b" })).toEqual([]);
  });
});
