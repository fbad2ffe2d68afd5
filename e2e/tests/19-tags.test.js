// Tags: an editor renames one on the Tags screen and its old address leads readers to the new one; then merges two.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OWNER } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, hasText, openSection, shot, steps } from "../lib/browser.js";

const env = folioAndBrowser();

test("an editor renames, describes and merges tags; old addresses follow", { timeout: 90_000 }, async () => {
  const { server, browser } = env;
  await server.apiOk("POST", "/api/v1/posts", { title: "Red kites", markdown: "Over the hill.\n", tags: ["Birds"], status: "published" }, { expected: 201 });
  await server.apiOk("POST", "/api/v1/posts", { title: "Gulls", markdown: "At the harbour.\n", tags: ["Seabirds"], status: "published" }, { expected: 201 });
  const page = await newPage(browser);
  let current = page;

  await steps(() => current, "tags", async (step) => {
    await step("rename and describe a tag on the Tags screen", async () => {
      await signIn(page, server.base, OWNER.email, OWNER.password);
      await openSection(page, "Tags");
      await visible(page.getByRole("rowheader", { name: /Birds/ }).first(), "the Birds row");
      await shot(page, "tags");
      await page.getByRole("button", { name: "Edit the tag Birds" }).click();
      const dialog = page.getByRole("dialog", { name: "Tag “Birds”" });
      await dialog.getByLabel("Name").fill("Wild birds");
      await dialog.getByLabel("Description").fill("Birds seen from the cliff path.");
      await shot(page, "tags-edit");
      await dialog.getByRole("button", { name: "Save tag" }).click();
      await hasText(page.getByRole("status").filter({ hasText: "Renamed" }), /\/tag\/birds\/ now leads to \/tag\/wild-birds\//, "the renamed notice");
      await visible(page.getByRole("rowheader", { name: /Wild birds/ }), "the renamed row");
      // The focus comes back to the renamed tag's button.
      const focused = await page.evaluate(() => document.activeElement?.getAttribute("aria-label"));
      assert.equal(focused, "Edit the tag Wild birds");
    });

    await step("a reader following the old address lands on the new page", async () => {
      const reader = await newPage(browser);
      current = reader;
      const response = await reader.goto(`${server.base}/tag/birds/`);
      assert.equal(new URL(reader.url()).pathname, "/tag/wild-birds/");
      assert.equal(response.status(), 200);
      await visible(reader.getByRole("heading", { name: "Wild birds", level: 1 }), "the renamed tag's heading");
      await visible(reader.getByText("Birds seen from the cliff path."), "the description");
      await visible(reader.getByRole("link", { name: "Red kites" }), "the tagged post");
      await shot(reader, "site-tag-described");
      current = page;
    });

    await step("merge Seabirds into Wild birds", async () => {
      await page.getByRole("button", { name: "Edit the tag Seabirds" }).click();
      const dialog = page.getByRole("dialog", { name: "Tag “Seabirds”" });
      await dialog.getByLabel("Merge into").selectOption({ label: "Wild birds" });
      await dialog.getByRole("button", { name: "Merge" }).click();
      await page.getByRole("dialog", { name: /Merge “Seabirds” into “Wild birds”/ }).getByRole("button", { name: "Merge" }).click();
      await hasText(page.getByRole("status").filter({ hasText: "Merged" }), /Merged “Seabirds” into “Wild birds”/, "the merged notice");
      assert.equal(await page.getByRole("rowheader", { name: /Seabirds/ }).count(), 0);
      const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: /Wild birds/ }) });
      await hasText(row.getByRole("cell").nth(1), /^2$/, "two published posts");
      const reader = await newPage(browser);
      await reader.goto(`${server.base}/tag/seabirds/`);
      assert.equal(new URL(reader.url()).pathname, "/tag/wild-birds/");
      await visible(reader.getByRole("link", { name: "Gulls" }), "the merged post");
    });
  }, server);
});
