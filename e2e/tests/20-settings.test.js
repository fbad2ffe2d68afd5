// Site settings: the owner changes dates, language, posts per page, accent colour, accounts and code in Settings; the public site shows each at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OWNER } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, hasText, openSection, shot, steps } from "../lib/browser.js";

const env = folioAndBrowser();

/** Today in UTC+14 (Kiritimati keeps no summer time), as the ISO format spells it. */
function kiritimatiToday() {
  return new Date(Date.now() + 14 * 3600 * 1000).toISOString().slice(0, 10);
}

test("every setting shows on the public site without a restart", { timeout: 120_000 }, async () => {
  const { server, browser } = env;
  for (const title of ["Low tide", "High tide"]) {
    await server.apiOk("POST", "/api/v1/posts", { title, markdown: `About the ${title.toLowerCase()}.\n`, status: "published" }, { expected: 201 });
  }
  const page = await newPage(browser);
  let current = page;

  await steps(() => current, "settings", async (step) => {
    await step("dates, language and posts per page", async () => {
      await signIn(page, server.base, OWNER.email, OWNER.password);
      await openSection(page, "Settings");
      const form = page.getByRole("form", { name: "Dates and reading" });
      await form.getByLabel("Timezone").selectOption("Pacific/Kiritimati");
      await form.getByLabel("Date format").selectOption({ label: "2026-12-05" });
      await form.getByLabel("Language").fill("fr");
      await form.getByLabel("Posts per page").fill("1");
      await form.getByRole("button", { name: "Save dates and reading" }).click();
      await hasText(page.getByRole("status").filter({ hasText: "Dates and reading" }), /saved/, "the saved notice");
    });

    await step("accent colour, an account elsewhere and code for every page", async () => {
      const look = page.getByRole("form", { name: "Look" });
      await look.getByLabel("Accent colour").fill("#8a2be2");
      await look.getByRole("button", { name: "Save look" }).click();
      await hasText(page.getByRole("status").filter({ hasText: "Look" }), /saved/, "the look's notice");
      const social = page.getByRole("form", { name: "Accounts elsewhere" });
      await social.getByRole("button", { name: "Add an account" }).click();
      await social.getByLabel("Address").fill("https://mastodon.social/@tides");
      await social.getByRole("button", { name: "Save accounts" }).click();
      await hasText(page.getByRole("status").filter({ hasText: "Accounts elsewhere" }), /saved/, "the accounts' notice");
      const code = page.getByRole("form", { name: "Code injection" });
      await visible(code.getByRole("note"), "the warning");
      await code.getByLabel("Site header").fill('<meta name="tide-check" content="yes">');
      await code.getByRole("button", { name: "Save code" }).click();
      await hasText(page.getByRole("status").filter({ hasText: "Code injection" }), /saved/, "the code's notice");
      await shot(page, "settings-all");
    });

    await step("the public site shows every one", async () => {
      const reader = await newPage(browser);
      current = reader;
      await reader.goto(`${server.base}/`);
      assert.equal(await reader.locator("html").getAttribute("lang"), "fr");
      assert.equal(await reader.getByRole("article").count(), 1, "one post a page");
      await visible(reader.getByRole("link", { name: "High tide" }), "the newest post");
      const date = await reader.locator("article time").first().innerText();
      assert.equal(date, kiritimatiToday(), "the date in the site's timezone and format");
      const datetime = await reader.locator("article time").first().getAttribute("datetime");
      assert.match(datetime, /\+14:00$/);
      await visible(reader.getByRole("link", { name: "Older posts" }), "the next page's link");
      const accent = await reader.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--accent").trim());
      assert.equal(accent, "#8a2be2");
      const mastodon = reader.getByRole("navigation", { name: "Elsewhere" }).getByRole("link", { name: "Mastodon" });
      assert.equal(await mastodon.getAttribute("href"), "https://mastodon.social/@tides");
      assert.equal(await mastodon.getAttribute("rel"), "me noopener");
      assert.equal(await reader.locator('meta[name="tide-check"]').getAttribute("content"), "yes");
      await shot(reader, "site-settings-applied");
      current = page;
    });

    await step("the admin's dates are the site's time too", async () => {
      await openSection(page, "Posts");
      const shown = await page.getByRole("main").locator("time").first().innerText();
      const expected = new Date().toLocaleString(undefined, { dateStyle: "medium", timeZone: "Pacific/Kiritimati" });
      assert.ok(shown.startsWith(expected), `${shown} starts with ${expected}`);
    });
  }, server);
});
