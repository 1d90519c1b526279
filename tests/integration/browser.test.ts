// The sandbox in a real browser (Debian's chromium driven by playwright-core): the dev stack as `npm run up` leaves
// it (generated password), the basic-auth challenge, signing in, opencode's UI, a session that survives replacing
// the container. Saves a screenshot and prints its path.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CI_ENV, DEFAULT_AUTH_USERNAME } from "../../src/facts.js";
import { GENERATED_PASSWORD } from "../support/program.js";
import { Deployment } from "./support/deployment.js";
import { describeOn, inCI, realEngine } from "./support/env.js";
import { basicAuth, waitForHealthyAnswer } from "./support/opencode.js";

/** Debian's chromium (scripts/ci-env.sh installs it); flags from shared/WORLD.md. */
const CHROMIUM = "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"];

let engine = await realEngine();
if (engine && !existsSync(CHROMIUM)) {
  if (inCI) throw new Error(`browser test under CI=true: ${CHROMIUM} is missing; run scripts/ci-env.sh`);
  console.warn(`browser test skipped: ${CHROMIUM} is missing`);
  engine = undefined;
}

describeOn(engine, "in a real browser", ({ docker, imageId }) => {
  let d: Deployment;
  let browser: Browser;
  beforeAll(async () => {
    d = await Deployment.plan(docker);
    await d.createVolumes();
    await d.createContainer(imageId);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });
  afterAll(async () => {
    await browser?.close();
    await d?.cleanup();
  });

  it("challenges, signs in with the password, shows opencode, and keeps a session across a container replacement", async () => {
    const url = d.baseUrl;
    // 1. No credentials: the basic-auth challenge.
    // (Headless chromium turns the challenge into ERR_INVALID_AUTH_CREDENTIALS for a page: the browser's own
    // request shows the 401 and the challenge header.)
    const anonymous = await browser.newContext();
    await expect((await anonymous.newPage()).goto(url)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
    const challenge = await anonymous.request.get(url);
    expect(challenge.status()).toBe(401);
    expect(challenge.headers()["www-authenticate"] ?? "").toMatch(/^Basic/i);
    await anonymous.close();

    // 2. Signed in with the generated password: opencode's UI.
    const context = await browser.newContext({ httpCredentials: { username: DEFAULT_AUTH_USERNAME, password: GENERATED_PASSWORD } });
    const page = await context.newPage();
    expect((await page.goto(url, { waitUntil: "load" }))?.status()).toBe(200);
    await expect.poll(() => page.title(), { timeout: 30_000 }).toBe("OpenCode");
    await page.getByText("Projects").first().waitFor({ timeout: 30_000 });

    // 3. A session, created through the signed-in browser (its own credentials, not the test's).
    const created = await page.request.post(`${url}/session`, { data: {} });
    expect(created.status()).toBe(200);
    const id = ((await created.json()) as { id: string }).id;

    // 4. Replace the container (the volumes stay), sign in again, and find the session listed.
    await d.destroyContainer();
    await d.createContainer(imageId);
    await waitForHealthyAnswer(url, Date.now(), 120_000, basicAuth(GENERATED_PASSWORD));
    expect((await page.reload({ waitUntil: "load" }))?.status()).toBe(200);
    const listed = (await (await page.request.get(`${url}/session`)).json()) as { id: string }[];
    expect(listed.map((s) => s.id)).toContain(id);

    const dir = join(CI_ENV.dir, "screenshots");
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `browser-${Date.now()}.png`);
    await page.screenshot({ path, fullPage: true });
    console.log(`browser test screenshot: ${path}`);
  });
});
