// The console on a server that requires access keys: it asks to sign in,
// then works with its session cookie, until it signs out. BATON_SIGNED_URL
// names such a server, with the key AKIDCONSOLE and the secret
// console-secret.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser } from "./client.mjs";

const base = process.env.BATON_SIGNED_URL;
let browser, page;

before(async () => {
  browser = await launchBrowser();
  page = await browser.newPage();
});

after(async () => {
  await browser?.close();
});

describe("signing in", { skip: !base && "BATON_SIGNED_URL is not set" }, () => {
  it("asks for a key, refuses a wrong secret, and signs in and out", async () => {
    await page.goto(base + "/");
    await page.locator('[data-testid="sign-in"]').waitFor();
    await page.fill('[data-testid="access-key-id"]', "AKIDCONSOLE");
    await page.fill('[data-testid="secret-access-key"]', "wrong");
    await page.click('[data-testid="sign-in"]');
    await page.locator(".error-box", { hasText: "wrong secret" }).waitFor();
    await page.fill('[data-testid="secret-access-key"]', "console-secret");
    await page.click('[data-testid="sign-in"]');
    // Signed in: the state machines page (the API answers the session).
    await page.locator('[data-testid="getting-started"]').waitFor();
    await page.goto(base + "/#/activities");
    await page.locator('[data-testid="activities"]').waitFor();
    assert.equal(await page.locator(".error-box").count(), 0);
    await page.click('[data-testid="sign-out"]');
    await page.locator('[data-testid="sign-in"]').waitFor();
  });
});
