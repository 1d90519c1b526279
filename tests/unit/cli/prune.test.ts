// Which old sandbox images `npm run up` removes: a table of engines' image lists.

import { expect, it } from "vitest";
import { IMAGE_LABELS, IMAGE_NAMES } from "../../../src/facts.js";
import { prunable, type ListedImage } from "../../../src/cli/prune.js";

const REPOS = [IMAGE_NAMES.dockerHub, IMAGE_NAMES.ghcr, "opencode-cloud-sandbox"];
const img = (id: string, extra: Partial<ListedImage> = {}): ListedImage => ({ Id: id, ...extra });
const ids = (list: ListedImage[]) => list.map((i) => i.Id);

it.each<[string, ListedImage[], string[], string, string[]]>([
  [
    "an older pulled digest of the Docker Hub image (listed without docker.io/) goes",
    [img("old", { RepoDigests: ["prizz/opencode-cloud-sandbox@sha256:" + "a".repeat(64)] }), img("new", { RepoDigests: ["prizz/opencode-cloud-sandbox@sha256:" + "b".repeat(64)] })],
    [],
    "new",
    ["old"],
  ],
  ["the GHCR mirror's too", [img("g", { RepoDigests: [`${IMAGE_NAMES.ghcr}@sha256:${"c".repeat(64)}`] })], [], "new", ["g"]],
  ["an image a container uses (another stack's, or a stopped one) stays", [img("used", { RepoTags: ["prizz/opencode-cloud-sandbox:1.0.0"] })], ["used"], "new", []],
  ["the image just deployed stays", [img("new", { RepoTags: ["opencode-cloud-sandbox:local-dev"] })], [], "new", []],
  ["an earlier local build, untagged and labelled as the sandbox, goes", [img("built", { RepoTags: ["<none>:<none>"], Labels: { [IMAGE_LABELS.toolset]: "full" } })], [], "new", ["built"]],
  ["an untagged image of something else stays", [img("other", { RepoTags: ["<none>:<none>"], Labels: {} })], [], "new", []],
  ["other repositories stay", [img("u", { RepoTags: ["ubuntu:24.04"] }), img("n", { RepoTags: ["example.com/prizz/opencode-cloud-sandbox:1"] })], [], "new", []],
])("%s", (_, images, used, keep, expected) => {
  expect(ids(prunable(images, new Set(used), keep, REPOS))).toEqual(expected);
});
