// The sandbox in a real browser (Debian's chromium driven by playwright-core), on a stack `npm run up` brought up
// through the real Pulumi engine: the URL it printed, the basic-auth challenge, signing in with the password it
// generated, opencode's UI, a session created by clicking through that UI, the container replaced, and the session
// still listed. Saves a screenshot and prints its path.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CI_ENV, DEFAULT_AUTH_USERNAME, SANDBOX_USER, VOLUMES } from "../../src/facts.js";
import { describeOn, inCI, realEngine } from "./support/env.js";
import { freePort } from "./support/opencode.js";
import { loopbackConfig, pulumiEnv, testStack, type RunResult } from "./support/pulumi.js";

/** Debian's chromium (scripts/ci-env.sh installs it); flags from shared/WORLD.md. */
const CHROMIUM = "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"];

let engine = await realEngine();
if (engine && !existsSync(CHROMIUM)) {
  if (inCI) throw new Error(`browser test under CI=true: ${CHROMIUM} is missing; run scripts/ci-env.sh`);
  console.warn(`browser test skipped: ${CHROMIUM} is missing`);
  engine = undefined;
}
const pulumi = pulumiEnv();

/** The URL `npm run up` printed last ("opencode is ready: <url>"). */
const printedUrl = (r: RunResult): string => {
  expect(r.code, r.output).toBe(0);
  const url = [...r.output.matchAll(/^opencode is ready: (http\S+)$/gm)].at(-1)?.[1];
  expect(url, r.output).toBeDefined();
  return url!;
};

describeOn(pulumi ? engine : undefined, "in a real browser, on the stack npm run up brought up", ({ docker }) => {
  const stack = testStack(pulumi!, `itw-${process.pid}`, async () => ({ ...loopbackConfig(), "opencode-cloud:port": await freePort() }));
  let browser: Browser;
  beforeAll(async () => {
    await stack.create();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });
  afterAll(async () => {
    await browser?.close();
    await stack.remove(docker);
  });

  it("challenges, signs in with the generated password, creates a session from the UI that survives a container replacement", async () => {
    // 0. `npm run up` on a stack without a password: it generates one and prints the URL.
    const up = await stack.npm("up");
    const url = printedUrl(up);
    expect(up.output).toContain("Generated a password for opencode");
    const password = await stack.password();

    // 1. No credentials: the basic-auth challenge. (Headless chromium turns the challenge into
    // ERR_INVALID_AUTH_CREDENTIALS for a page: the browser's own request shows the 401 and the challenge header.)
    const anonymous = await browser.newContext();
    await expect((await anonymous.newPage()).goto(url)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
    const challenge = await anonymous.request.get(url);
    expect(challenge.status()).toBe(401);
    expect(challenge.headers()["www-authenticate"] ?? "").toMatch(/^Basic/i);
    await anonymous.close();

    // 2. Signed in with the generated password: opencode's UI.
    const context = await browser.newContext({ httpCredentials: { username: DEFAULT_AUTH_USERNAME, password } });
    const page = await context.newPage();
    expect((await page.goto(url, { waitUntil: "load" }))?.status()).toBe(200);
    await expect.poll(() => page.title(), { timeout: 30_000 }).toBe("OpenCode");
    await page.getByText("Projects").first().waitFor({ timeout: 30_000 });

    // 3. A session from the UI, as a person makes one: add the workspace as a project (the folder picker lists the
    // home's folders), "New session", type a prompt and send it. opencode creates the session when the first prompt
    // is sent and moves the page to it. (No model answers offline; the session exists all the same.)
    const workspace = `~/${VOLUMES.projects.slice(SANDBOX_USER.home.length + 1)}/`;
    await page.getByRole("button", { name: "Add project" }).first().click();
    await page.getByText(workspace, { exact: true }).click();
    await page.locator('[data-component="button-v2"]', { hasText: "New session" }).click();
    // The prompt takes a message once its model picker shows a model (a Send before that is ignored).
    await page.locator('[data-action="prompt-model"]').waitFor({ timeout: 120_000 });
    await page.getByRole("textbox", { name: "Prompt" }).click();
    await page.keyboard.type("Hello from the browser test");
    await page.locator('[data-action="prompt-submit"]').click();
    await page.waitForURL(/\/session\/ses_\w+$/, { timeout: 120_000 });
    const id = /\/session\/(ses_\w+)$/.exec(page.url())![1]!;

    // 4. Replace the container (removed by hand; `npm run up` makes a new one on the same volumes).
    const containerName = String((await stack.outputs())["containerName"]);
    const oldId = (await docker.getContainer(containerName).inspect()).Id;
    await docker.getContainer(containerName).remove({ force: true });
    expect(printedUrl(await stack.npm("up"))).toBe(url);
    expect((await docker.getContainer(containerName).inspect()).Id).not.toBe(oldId);

    // 5. Back to the UI's home: the workspace project lists the one session, and clicking it opens that session.
    expect((await page.goto(url, { waitUntil: "load" }))?.status()).toBe(200);
    const rows = page.locator('[data-component="home-session-row"]');
    await rows.first().waitFor({ timeout: 60_000 });
    expect(await rows.count()).toBe(1);
    const dir = join(CI_ENV.dir, "screenshots");
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `browser-${Date.now()}.png`);
    await page.screenshot({ path, fullPage: true });
    console.log(`browser test screenshot (the session listed after the replacement): ${path}`);
    await rows.first().click();
    await page.waitForURL(new RegExp(`/session/${id}$`), { timeout: 30_000 });
  });
});
