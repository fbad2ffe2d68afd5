// Everyone's own profile: name and bio shown on the site, and changing one's own password.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OWNER } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, hasText, shot, steps } from "../lib/browser.js";

const env = folioAndBrowser();

test("a person changes their name, bio and password from their profile", { timeout: 90_000 }, async () => {
  const { server, browser } = env;
  const NEW_PASSWORD = "a brand new passphrase";
  await server.apiOk("POST", "/api/v1/posts", { title: "Bread at sea", markdown: "Dough rises slowly on a boat.\n", status: "published" }, { expected: 201 });
  const page = await newPage(browser);

  await steps(() => page, "profile", async (step) => {
    await step("sign in and open the profile from one's name in the header", async () => {
      await signIn(page, server.base, OWNER.email, OWNER.password);
      await page.getByRole("link", { name: /· owner$/ }).click();
      await visible(page.getByRole("heading", { name: "Your profile", level: 1 }), "the profile heading");
      assert.equal(await page.getByLabel("Email", { exact: true }).inputValue(), OWNER.email);
      await shot(page, "profile");
    });

    await step("change name and bio: the header and the author page show them", async () => {
      await page.getByLabel("Name", { exact: true }).fill("Olive Harbour");
      await page.getByLabel("Bio", { exact: true }).fill("Writes about boats and bread.");
      await page.getByRole("button", { name: "Save profile" }).click();
      await hasText(page.getByRole("status").filter({ hasText: "Profile saved" }), /Profile saved/, "the saved notice");
      await visible(page.getByRole("link", { name: "Olive Harbour · owner" }), "the new name in the header");
      // Under their posts, at once: the cached page was dropped by the change.
      const post = await fetch(`${server.base}/bread-at-sea/`).then((r) => r.text());
      assert.match(post, /Written by <a[^>]*>Olive Harbour<\/a>/);
      assert.match(post, /Writes about boats and bread\./);
    });

    await step("a wrong current password is refused in words", async () => {
      await page.getByLabel("Current password").fill("not my password");
      await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
      await page.getByLabel("New password again").fill(NEW_PASSWORD);
      await page.getByRole("button", { name: "Change password" }).click();
      await hasText(page.locator("form[aria-labelledby='password-h'] .feedback"), /password/i, "the refusal");
    });

    await step("change the password, sign out, sign in with the new one", async () => {
      await page.getByLabel("Current password").fill(OWNER.password);
      await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
      await page.getByLabel("New password again").fill(NEW_PASSWORD);
      await page.getByRole("button", { name: "Change password" }).click();
      await hasText(page.getByRole("status").filter({ hasText: "Password changed" }), /Password changed/, "the changed notice");
      await page.getByRole("button", { name: "Sign out" }).click();
      await visible(page.getByRole("heading", { name: "Sign in to Folio" }), "the sign-in form");
      await page.getByLabel("Email").fill(OWNER.email);
      await page.getByLabel("Password").fill(OWNER.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await hasText(page.locator(".feedback"), /don't match/, "the old password refused");
      await page.getByLabel("Password").fill(NEW_PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await visible(page.getByRole("navigation", { name: "Admin sections" }), "the signed-in shell");
    });
  }, server);
});
