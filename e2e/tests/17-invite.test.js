// Adding a person with a one-time sign-up link: they choose their own password and are signed in.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OWNER } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, hasText, openSection, shot, steps } from "../lib/browser.js";

const env = folioAndBrowser();

test("the owner invites a person by link, and they sign up with it once", { timeout: 90_000 }, async () => {
  const { server, browser } = env;
  const page = await newPage(browser);
  let current = page;
  let url;

  await steps(() => current, "invite", async (step) => {
    await step("sign in and add a person, keeping the sign-up link choice", async () => {
      await signIn(page, server.base, OWNER.email, OWNER.password);
      await openSection(page, "People");
      await page.getByLabel("Name", { exact: true }).fill("Nia Newcomer");
      await page.getByLabel("Email", { exact: true }).fill("nia@example.com");
      await page.getByLabel("Role", { exact: true }).selectOption("author");
      assert.equal(await page.getByRole("radio", { name: /sign-up link/ }).isChecked(), true);
      assert.equal(await page.getByLabel("Password", { exact: true }).isVisible(), false, "no password to choose");
      await page.getByRole("button", { name: "Add person" }).click();
      const link = page.getByLabel("Sign-up link for Nia Newcomer", { exact: true });
      await visible(link, "the sign-up link");
      url = await link.inputValue();
      assert.match(url, /\/invite\/[A-Za-z0-9_-]+\/$/);
      await hasText(page.getByRole("row", { name: /Nia Newcomer/ }), /not signed up yet/, "the person's status");
      await shot(page, "people-invite");
    });

    await step("they open the link signed out and choose a password", async () => {
      const newcomer = await newPage(browser);
      current = newcomer;
      await newcomer.goto(url);
      await visible(newcomer.getByRole("heading", { name: /^Join / }), "the sign-up page");
      await hasText(newcomer.locator("main"), /Nia Newcomer \(nia@example\.com\)/, "who it is for");
      await shot(newcomer, "invite-page");
      await newcomer.getByLabel("Password (at least 8 characters)").fill("nia's own passphrase");
      await newcomer.getByLabel("The same password again").fill("nia's own passphrase");
      await newcomer.getByRole("button", { name: "Set my password and sign in" }).click();
      await visible(newcomer.getByRole("heading", { name: "Welcome" }), "the welcome page");
      await newcomer.getByRole("link", { name: "Start writing" }).click();
      await visible(newcomer.getByRole("link", { name: "Nia Newcomer · author" }), "Nia signed in");
    });

    await step("the link works only once", async () => {
      const other = await newPage(browser);
      current = other;
      const response = await other.goto(url);
      assert.equal(response.status(), 404);
      await visible(other.getByRole("heading", { name: "This sign-up link no longer works" }), "the used-up page");
    });
  }, server);
});
