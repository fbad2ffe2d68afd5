// The posts list keeps its filters in the address: a filtered list opens from a link, survives a reload, and Back returns to it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OWNER } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, steps } from "../lib/browser.js";

const env = folioAndBrowser();

test("a filtered posts list lives in the address", { timeout: 90_000 }, async () => {
  const { server, browser } = env;
  await server.apiOk("POST", "/api/v1/posts", { title: "Published piece", markdown: "Out there.", status: "published" });
  await server.apiOk("POST", "/api/v1/posts", { title: "Unfinished draft", markdown: "Not yet." });
  const page = await newPage(browser);
  const rows = page.locator("main").getByRole("link", { name: /Published piece|Unfinished draft/ });

  await steps(() => page, "filters", async (step) => {
    await step("sign in", () => signIn(page, server.base, OWNER.email, OWNER.password));

    await step("a link with ?status=draft opens the list of drafts only", async () => {
      await page.goto(`${server.base}/admin/#/posts?status=draft`);
      await visible(page.getByRole("link", { name: "Unfinished draft" }), "the draft");
      assert.equal(await rows.count(), 1, "only the draft is listed");
      assert.equal(await page.getByLabel("Status").inputValue(), "draft");
    });

    await step("choosing another status changes the address, and a reload keeps it", async () => {
      await page.getByLabel("Status").selectOption("published");
      await visible(page.getByRole("link", { name: "Published piece" }), "the published post");
      assert.match(page.url(), /#\/posts\?status=published$/);
      await page.reload();
      await visible(page.getByRole("link", { name: "Published piece" }), "the published post after a reload");
      assert.equal(await rows.count(), 1, "still only the published post");
    });

    await step("Back from a post returns to the same filtered list", async () => {
      await page.getByRole("link", { name: "Published piece" }).click();
      await visible(page.getByRole("heading", { name: "Edit post", level: 1 }), "the editor");
      await page.goBack();
      await visible(page.getByRole("link", { name: "Published piece" }), "the filtered list again");
      assert.equal(await page.getByLabel("Status").inputValue(), "published");
      assert.equal(await rows.count(), 1);
    });
  }, server);
});
