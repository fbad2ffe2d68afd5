// An About page made in the editor: served at its slug, not listed with the posts, found under "Pages".
import { test } from "node:test";
import assert from "node:assert/strict";
import { OWNER, eventually } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, shot, steps } from "../lib/browser.js";

const env = folioAndBrowser();

test("the owner makes an About page from the posts list", { timeout: 90_000 }, async () => {
  const { server, browser } = env;
  const page = await newPage(browser);
  await steps(() => page, "about-page", async (step) => {
    await step("sign in and start a new page", async () => {
      await signIn(page, server.base, OWNER.email, OWNER.password);
      await page.getByRole("link", { name: "New page" }).click();
      await visible(page.getByRole("heading", { name: "New page", level: 1 }), "the New page heading");
      assert.equal(await page.getByLabel("Type", { exact: true }).inputValue(), "page");
    });

    await step("write it and publish it", async () => {
      await page.getByLabel("Title", { exact: true }).fill("About");
      await page.getByLabel("Markdown", { exact: true }).fill("We write about *harbours*.\n");
      await page.getByRole("button", { name: "Publish", exact: true }).click();
      await visible(page.getByRole("heading", { name: "Edit page", level: 1 }), "the Edit page heading");
      await shot(page, "editor-page");
    });

    await step("it is at /about/, and not among the posts on the home page or in the feed", async () => {
      let about;
      await eventually(async () => {
        about = await fetch(`${server.base}/about/`);
        return about.status === 200;
      }, { what: "/about/ to answer" });
      assert.match(await about.text(), /We write about <em>harbours<\/em>\./);
      assert.doesNotMatch(await fetch(`${server.base}/`).then((r) => r.text()), />About</);
      assert.doesNotMatch(await fetch(`${server.base}/feed.xml`).then((r) => r.text()), /harbours/);
    });

    await step("the posts list finds it under Pages", async () => {
      await page.getByRole("link", { name: "Posts", exact: true }).click();
      await page.getByLabel("Type", { exact: true }).selectOption("page");
      await visible(page.getByRole("link", { name: "About" }), "the About page in the list");
    });
  }, server);
});
