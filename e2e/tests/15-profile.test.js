// Everyone's own profile: name, bio, website and avatar shown on the site, and changing one's own password.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OWNER, eventually } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, hasText, shot, steps, openSection } from "../lib/browser.js";
import { png } from "../lib/png.js";

const env = folioAndBrowser();

test("a person changes their name, bio, website, avatar and password from their profile", { timeout: 150_000 }, async () => {
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

    await step("a website that is not a web address is refused in words", async () => {
      const website = page.getByLabel("Website", { exact: true });
      await website.fill("javascript:alert(1)");
      await page.getByRole("button", { name: "Save profile" }).click();
      await hasText(page.locator("form[aria-labelledby='profile-h'] .feedback"), /https:\/\//, "the refusal");
      assert.equal(await website.getAttribute("aria-invalid"), "true");
    });

    await step("set a website and choose an avatar uploaded in the media picker", async () => {
      await page.getByLabel("Website", { exact: true }).fill("https://olive.example.org/");
      await page.getByRole("button", { name: "Choose avatar" }).click();
      const dialog = page.getByRole("dialog");
      await visible(dialog, "the media picker");
      await dialog.getByLabel("Upload images").setInputFiles({ name: "portrait.png", mimeType: "image/png", buffer: png(480, 640) });
      const choose = dialog.getByRole("button", { name: /^Choose\b.*portrait/i });
      await visible(choose, 'the "Choose portrait.png" button for the new image', 60_000);
      await choose.click();
      await dialog.waitFor({ state: "hidden" });
      await visible(page.locator(".avatar-thumb img"), "the chosen avatar's thumbnail");
      await visible(page.getByRole("button", { name: "Remove avatar" }), "the Remove avatar button");
      await page.getByRole("button", { name: "Save profile" }).click();
      await hasText(page.getByRole("status").filter({ hasText: "Profile saved" }), /Profile saved/, "the saved notice");
      await shot(page, "profile-avatar");
    });

    await step("the author page and the post show the avatar and the website", async () => {
      await page.goto(`${server.base}/author/olive-harbour/`);
      const avatar = page.locator("img.avatar");
      await visible(avatar, "the avatar on the author page");
      assert.equal(await avatar.getAttribute("alt"), "Olive Harbour");
      await eventually(() => avatar.evaluate((img) => img.complete && img.naturalWidth > 0), { what: "the avatar loaded" });
      const link = page.getByRole("link", { name: "olive.example.org" });
      await visible(link, "the website link");
      assert.equal(await link.getAttribute("href"), "https://olive.example.org/");
      assert.equal(await link.getAttribute("rel"), "me noopener");
      await shot(page, "author-page");
      await page.goto(`${server.base}/bread-at-sea/`);
      const box = page.getByRole("complementary", { name: "About the author" });
      await visible(box.locator("img.avatar"), "the avatar under the post");
      await visible(box.getByRole("link", { name: "olive.example.org" }), "the website under the post");
      await shot(page, "post-author-box");
      await page.goto(`${server.base}/admin/#/profile`);
      await visible(page.getByRole("heading", { name: "Your profile", level: 1 }), "the profile again");
      await visible(page.locator(".avatar-thumb img"), "the saved avatar's thumbnail");
      assert.equal(await page.getByLabel("Website", { exact: true }).inputValue(), "https://olive.example.org/");
    });

    await step("the People screen shows the avatar beside the name", async () => {
      await openSection(page, "People");
      const row = page.getByRole("row").filter({ hasText: "Olive Harbour" });
      await visible(row.locator("img.people-avatar"), "the avatar in the people list");
      await shot(page, "people-avatar");
      await page.getByRole("link", { name: /· owner$/ }).click();
      await visible(page.getByRole("heading", { name: "Your profile", level: 1 }), "the profile again");
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
