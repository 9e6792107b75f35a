// Sign-in through an OpenID provider (tests/oidc/provider.mjs, a real one with development login pages):
// the button on the sign-in screen, the provider's pages, back into the app signed in, and the sign-in
// methods screen listing the linked account.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { backendSoon, browser, freePort, ROOT, shoot } from "./support.mjs";

const VIEWPORT = { width: 390, height: 844 };

/** Starts the provider and resolves once it says it listens. */
function startProvider(port, redirectUri) {
  const child = spawn("node", ["provider.mjs", String(port)], {
    cwd: join(ROOT, "tests/oidc"),
    env: { ...process.env, OIDC_REDIRECT_URI: redirectUri },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((ok, fail) => {
    child.stdout.on("data", (d) => String(d).includes("listening") && ok(child));
    child.on("exit", (code) => fail(new Error(`the OpenID provider exited (${code})`)));
  });
}

// The server only calls the provider when someone signs in, so it can start first (early, in the background)
// and tell the provider its port.
let providerPort;
const ssoServer = backendSoon(async () => {
  providerPort = await freePort();
  return {
    FOLLOWTHROUGH_OIDC_ISSUER: `http://127.0.0.1:${providerPort}`,
    FOLLOWTHROUGH_OIDC_CLIENT_ID: "followthrough",
    FOLLOWTHROUGH_OIDC_CLIENT_SECRET: "followthrough-secret",
    FOLLOWTHROUGH_OIDC_NAME: "Example ID",
  };
});

describe("sign-in through an OpenID provider", () => {
  let provider;
  after(() => {
    provider?.kill("SIGTERM");
  });

  test("30: a person signs in with the provider, comes back signed in, and sees the linked account", async () => {
    const server = await ssoServer;
    provider = await startProvider(providerPort, `${server.base}/api/v1/auth/oidc/callback`);

    const context = await browser.newContext({ viewport: VIEWPORT, baseURL: server.base, serviceWorkers: "block" });
    const page = await context.newPage();
    const problems = [];
    page.on("pageerror", (e) => problems.push(String(e)));
    await page.goto("/");
    const button = page.getByRole("link", { name: "Sign in with Example ID" });
    await button.waitFor();
    await shoot(page, "sign-in-with-provider");

    await button.click();
    await page.locator('input[name="login"]').fill("vera@example.com");
    await page.locator('input[name="password"]').fill("any password");
    await page.getByRole("button", { name: "Sign-in" }).click();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Today" }).waitFor();
    assert.equal(new URL(page.url()).origin, server.base);

    await page.goto("/account");
    await page.getByRole("link", { name: "Sign-in methods" }).click();
    await page.getByRole("heading", { name: "Linked accounts" }).waitFor();
    await page.getByText("Example ID · vera@example.com").waitFor();
    await page.getByText("This account has no password").waitFor();
    await shoot(page, "sign-in-methods");
    // The only way into an account without a password is not taken away.
    await page.getByRole("button", { name: /Unlink Example ID/ }).click();
    await page.getByText(/only way to sign in/i).waitFor();

    // With no password, Account offers to set one (no current password to ask for) and deleting asks for the email.
    await page.goto("/account");
    const password = page.locator('form[data-form="account-password"]');
    await password.getByRole("button", { name: "Set password" }).waitFor();
    assert.equal(await password.getByLabel("Current password").count(), 0);
    await page.locator('form[data-form="account-delete"]').getByLabel("Your email, to confirm").waitFor();
    await shoot(page, "account-without-password");
    await password.getByLabel("New password").fill("vera's own passphrase");
    await password.getByRole("button", { name: "Set password" }).click();
    await password.getByRole("status").getByText("Password set.", { exact: false }).waitFor();
    await page.locator('form[data-form="account-password"]').getByLabel("Current password").waitFor();
    await page.locator('form[data-form="account-delete"]').getByLabel("Your password, to confirm").waitFor();
    assert.deepEqual(problems, []);
    await context.close();

    // A refusal comes back as words on the sign-in screen.
    const signedOut = await browser.newContext({ viewport: VIEWPORT, baseURL: server.base, serviceWorkers: "block" });
    const again = await signedOut.newPage();
    await again.goto("/?signInError=email-unverified");
    await again.getByText("The provider has not verified your email address").waitFor();
    await shoot(again, "sign-in-provider-refused");
    await signedOut.close();
  });
});
