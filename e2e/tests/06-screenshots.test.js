// A screenshot of every main screen at desktop and phone width, on a site with some content, for people to look at.
import { test } from "node:test";
import { OWNER } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, hasText, shot, steps, openSection, openSeededPost } from "../lib/browser.js";
import { seed } from "../lib/seed.js";

const env = folioAndBrowser();

test("screenshots of every main screen at 1280 and 390 px wide", { timeout: 180_000 }, async (t) => {
  const { server, browser } = env;
  const post = await seed(server);
  const page = await newPage(browser);
  const h1 = (name) => page.getByRole("heading", { name, level: 1 });

  await steps(() => page, "screenshots", async (step) => {
    await step("sign-in screen", async () => {
      await page.goto(server.base + "/admin/");
      await visible(page.getByRole("button", { name: "Sign in" }), "the Sign in button");
      await shot(page, "sign-in");
    });

    await step("posts list", async () => {
      await signIn(page, server.base, OWNER.email, OWNER.password);
      await visible(h1("Posts"), "the Posts heading");
      await visible(page.getByRole("link", { name: post.title }), "the published post in the list");
      await shot(page, "posts-list");
    });

    await step("editor with preview", async () => {
      await openSeededPost(page, post.title);
      await shot(page, "editor");
    });

    await step("media library", async () => {
      await openSection(page, "Media");
      await visible(page.getByRole("button", { name: /^Details for / }), "a thumbnail");
      await page.waitForFunction(() => [...document.querySelectorAll("main img")].every((img) => img.complete));
      await shot(page, "media-library");
    });

    await step("people", async () => {
      await openSection(page, "People");
      await visible(page.getByText("Ada Author"), "a person in the list");
      await shot(page, "people");
    });

    await step("API tokens", async () => {
      await openSection(page, "API tokens");
      await visible(page.getByText("Deploy script"), "a token in the list");
      await shot(page, "api-tokens");
    });

    await step("system status", async () => {
      await openSection(page, "System status");
      await hasText(page.getByRole("region", { name: "posts", exact: true }), /\bup\b/i, "the posts card");
      // Two polls, so the rates are filled in rather than "—".
      await page.waitForTimeout(2200);
      await shot(page, "system-status");
    });

    await step("public post page", async () => {
      await page.goto(`${server.base}/${post.slug}/`);
      await visible(page.getByRole("heading", { name: post.title, level: 1 }), "the post's title");
      await visible(page.locator("article table"), "the table");
      await shot(page, "public-post");
    });
  }, server);
  // Not a failure, but worth a look: console errors (CSP refusals, say) and failed requests on the way.
  for (const problem of page.problems) t.diagnostic(`page problem: ${problem}`);
});
