// Accounts: sign-up that reveals nothing about who is registered, the registration setting, and a password
// change that signs out other devices and revokes API tokens.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import { apiGet, apiSend, backend, backendSoon, lowerPriority, newPage, PASSWORD, ROOT, shoot, signUp, signedInPage } from "./support.mjs";

// Test 17's servers, one per registration mode; the invite-only one has a host, made with the CLI.
const closedServer = backendSoon({ FOLLOWTHROUGH_REGISTRATION: "closed" });
const inviteOnlyServer = backendSoon({ FOLLOWTHROUGH_REGISTRATION: "invite-only" }, (server) => {
  const made = promisify(execFile)(join(ROOT, ".venv/bin/followthrough"), ["users", "create", "--email", "host@example.com", "--name", "Hana", "--password", PASSWORD], {
    env: { ...process.env, FOLLOWTHROUGH_DATA_DIR: server.dataDir },
  });
  lowerPriority(made.child);
  return made;
});

/** The status of every sign-up and sign-in request the page makes, in order. */
function authRequests(page) {
  const seen = [];
  page.on("response", (r) => {
    const path = new URL(r.url()).pathname;
    if (path === "/api/v1/auth/sign-up" || path === "/api/v1/auth/sign-in") seen.push(`${path.slice("/api/v1/auth/".length)} ${r.status()}`);
  });
  return seen;
}

describe("accounts", () => {
  test("14: a new person signs up, is signed in, and sees their account", async () => {
    const { context, page, problems } = await newPage();
    const seen = authRequests(page);
    await signUp(page, "newcomer@example.com", "Noor");
    await page.getByText("Yes, that is my time zone").check();
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { name: "Be the one with the key" }).waitFor();
    // Sign-up says nothing about the email (202, no session); the app signs in with what was typed.
    assert.deepEqual(seen, ["sign-up 202", "sign-in 200"]);
    await page.goto("/account");
    await page.getByRole("heading", { name: "Account", exact: true }).waitFor();
    await page.getByText("newcomer@example.com").waitFor();
    assert.equal(await page.getByLabel("Name", { exact: true }).inputValue(), "Noor");
    // No API token yet: nothing to offer revoking.
    await page.getByRole("heading", { name: "Password" }).waitFor();
    assert.equal(await page.getByLabel(/Also revoke my API tokens/).count(), 0);
    assert.equal((await apiGet(context, "/api/v1/account")).email, "newcomer@example.com");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("15: signing up with an email that has an account gets a calm message and a way to sign in", async () => {
    const owner = await signedInPage("taken@example.com", { name: "Tess" });
    await owner.context.close();

    const { context, page, problems } = await newPage();
    const seen = authRequests(page);
    await signUp(page, "taken@example.com", "Someone else");
    await page.getByLabel("Password").fill("another password entirely");
    await page.getByRole("button", { name: "Create account" }).click();
    const note = page.getByTestId("account-may-exist");
    await note.getByText("This email may already have an account. Sign in instead; its owner has been told").waitFor();
    assert.deepEqual(seen, ["sign-up 202", "sign-in 401"]);
    const text = await page.locator("main").innerText();
    assert.doesNotMatch(text, /already exists|taken|wrong|HTTP|401/i);
    await shoot(page, "30-sign-up-existing-email");

    // "Sign in with this email" opens the sign-in form with the email kept.
    await note.getByRole("button", { name: "Sign in with this email" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    assert.equal(await page.getByLabel("Email").inputValue(), "taken@example.com");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.locator('form[data-form="sign-in"]').getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Today" }).waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("16: changing the password signs out other devices and revokes API tokens, as chosen", async () => {
    const { context, page, problems } = await signedInPage("keys@example.com", { name: "Kai" });
    for (const name of ["Shortcuts", "Zapier"]) await apiSend(context, "POST", "/api/v1/account/tokens", { name });
    const tokens = await apiGet(context, "/api/v1/account/tokens");
    // A second device, signed in with the same password.
    const other = await newPage();
    await other.context.request.post(`${backend.base}/api/v1/auth/sign-in`, {
      headers: { "content-type": "application/json" },
      data: JSON.stringify({ email: "keys@example.com", password: PASSWORD }),
    });
    assert.equal((await other.context.request.get(`${backend.base}/api/v1/auth/session`)).status(), 200);

    await page.goto("/account");
    const form = page.locator('form[data-form="account-password"]');
    await form.waitFor();
    const revoke = form.getByLabel("Also revoke my API tokens (2)");
    await revoke.waitFor();
    assert.equal(await revoke.isChecked(), true, "revoking tokens is on by default");
    await form.getByLabel("Current password").fill(PASSWORD);
    await form.getByLabel("New password").fill("a new and longer passphrase");
    await form.evaluate((f) => f.scrollIntoView({ block: "center" }));
    await shoot(page, "31-account-password", { fullPage: false });
    await form.getByRole("button", { name: "Change password" }).click();
    await form
      .getByRole("status")
      .getByText("Password changed. Signed out 1 other device and revoked 2 API tokens: “Shortcuts”, “Zapier”.")
      .waitFor();
    await form.evaluate((f) => f.scrollIntoView({ block: "center" }));
    await shoot(page, "31b-account-password-changed", { fullPage: false });

    // This device stays signed in; the other one and both tokens no longer work.
    assert.equal((await apiGet(context, "/api/v1/account")).email, "keys@example.com");
    assert.equal((await other.context.request.get(`${backend.base}/api/v1/auth/session`)).status(), 401);
    assert.deepEqual(await apiGet(context, "/api/v1/account/tokens"), []);
    assert.equal(tokens.length, 2);
    await page.getByRole("button", { name: "Revoke Shortcuts" }).waitFor({ state: "detached" });
    assert.equal(await form.getByLabel(/Also revoke my API tokens/).count(), 0);

    // Kept on request: untick, and the tokens still work.
    await apiSend(context, "POST", "/api/v1/account/tokens", { name: "CLI" });
    await page.reload();
    await form.getByLabel("Also revoke my API tokens (1)").uncheck();
    await form.getByLabel("Current password").fill("a new and longer passphrase");
    await form.getByLabel("New password").fill("yet another passphrase");
    await form.getByRole("button", { name: "Change password" }).click();
    await form.getByText("Password changed. No other device was signed in. Your API token still works.").waitFor();
    assert.deepEqual((await apiGet(context, "/api/v1/account/tokens")).map((t) => t.name), ["CLI"]);
    assert.deepEqual(problems, []);
    await other.context.close();
    await context.close();
  });

  test("17: the sign-in screen offers sign-up only as the server's registration allows", async () => {
    // Closed: sign in only.
    const closed = await closedServer;
    const shut = await newPage("light", { baseURL: closed.base });
    await shut.page.goto("/");
    await shut.page.getByText("Sign-up on this server is closed; ask the person who runs it.").waitFor();
    await shut.page.getByRole("heading", { name: "Sign in" }).waitFor();
    assert.equal(await shut.page.getByRole("button", { name: "Create an account" }).count(), 0);
    await shoot(shut.page, "32-sign-in-registration-closed");
    assert.deepEqual(shut.problems, []);
    await shut.context.close();

    // Invite-only: sign in only, until a person arrives with an invite link; then they can create an account.
    const invited = await inviteOnlyServer;
    const host = await newPage("light", { baseURL: invited.base });
    await host.context.request.post(`${invited.base}/api/v1/auth/sign-in`, {
      headers: { "content-type": "application/json" },
      data: JSON.stringify({ email: "host@example.com", password: PASSWORD }),
    });
    const session = await (await host.context.request.get(`${invited.base}/api/v1/auth/session`)).json();
    const made = await host.context.request.post(`${invited.base}/api/v1/invites`, {
      headers: { "content-type": "application/json", "x-csrf-token": session.csrfToken },
      data: JSON.stringify({ expiresInDays: 7 }),
    });
    assert.equal(made.status(), 201, await made.text());
    const { url } = await made.json();

    const guest = await newPage("light", { baseURL: invited.base });
    await guest.page.goto("/");
    await guest.page.getByText("Sign-up on this server is by invite only.").waitFor();
    assert.equal(await guest.page.getByRole("button", { name: "Create an account" }).count(), 0);
    await shoot(guest.page, "33-sign-in-registration-invite-only");

    await guest.page.goto(new URL(url).pathname + new URL(url).hash);
    await guest.page.getByText("Hana invited you to be their accountability partner.").waitFor();
    await guest.page.getByRole("heading", { name: "Create an account" }).waitFor();
    await guest.page.getByLabel("Your name").fill("Ira");
    await guest.page.getByLabel("Email").fill("ira@example.com");
    await guest.page.getByLabel("Password").fill(PASSWORD);
    await guest.page.getByRole("button", { name: "Create account" }).click();
    await guest.page.getByText("Hana invites you").waitFor();
    await guest.page.getByRole("button", { name: "Accept", exact: true }).click();
    await guest.page.getByText("You now support Hana.").waitFor();
    assert.deepEqual(guest.problems, []);
    await host.context.close();
    await guest.context.close();
  });
});

