// The admin's import (issue 14, part 1): on the Import screen the owner checks a WordPress export (a dry run that
// writes nothing), then imports it; the report reads as sentences, says the images stayed behind and how to bring
// them, lists each warning with its post's title; the imported post is served on the public site.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readFile } from "node:fs/promises";
import { OWNER, REPO } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, hasText, openSection, shot, steps } from "../lib/browser.js";

const env = folioAndBrowser();

const WXR = join(REPO, "src/import/tests/fixtures/wordpress-6.wxr");
const BROKEN = join(REPO, "src/import/tests/fixtures/hostile/billion-laughs.wxr");

test("a WordPress export imported from the Import screen: a check first, then the import, its report, its posts", { timeout: 120_000 }, async () => {
  const { server, browser } = env;
  const page = await newPage(browser);
  const report = page.getByRole("region", { name: /report/i });

  await steps(() => page, "import", async (step) => {
    await step("sign in as the owner and open Import", async () => {
      await signIn(page, server.base, OWNER.email, OWNER.password);
      await openSection(page, "Import and export");
      await visible(page.getByRole("radio", { name: "WordPress" }), "the WordPress choice");
      await visible(page.getByLabel("Images: the uploads folder as a .zip (optional)"), "the optional uploads zip");
      await hasText(page.locator("#import-images"), /Without it, images stay on the old site/, "what happens without it");
      await shot(page, "import-form");
    });

    await step("a check only writes nothing and says what would come in", async () => {
      await page.getByLabel("Export file").setInputFiles(WXR);
      await page.getByLabel("Check only (dry run)").check();
      await page.getByRole("button", { name: "Check", exact: true }).click();
      await visible(page.getByRole("heading", { name: "Check report", level: 2 }), "the check's report");
      await hasText(report, /7 posts and 1 page would be imported/, "the summary");
      await hasText(report, /This was a check: nothing was written/, "the dry-run notice");
      const posts = await server.apiOk("GET", "/api/v1/posts?per_page=100");
      assert.equal(posts.posts.length, 0, "nothing written by the check");
    });

    await step("the import runs and its report reads as sentences", async () => {
      await page.getByLabel("Check only (dry run)").uncheck();
      await page.getByRole("button", { name: "Import", exact: true }).click();
      await visible(page.getByRole("heading", { name: "Import report", level: 2 }), "the import's report");
      await hasText(report, /7 posts and 1 page imported, 2 authors created/, "the summary");
      await hasText(report, /The file holds 7 posts, 1 page, 3 attachments, 2 authors/, "what the file holds");
      await hasText(report, /Skipped: .*1 trash/, "what was skipped, by kind");
      await hasText(report, /3 images were not imported.*--uploads/s, "the images, and how to bring them");
      const warnings = page.getByRole("list", { name: /Warnings/ });
      await hasText(warnings, /Private thoughts.*was private; imported as a draft/s, "a warning with its post's title");
      // Focus goes to the report, so a screen reader user hears it is there.
      assert.equal(await page.evaluate(() => document.activeElement.id), "import-report-h");
      await shot(page, "import-report");
    });

    await step("the imported post is on the public site", async () => {
      assert.equal(await page.getByRole("link", { name: "See the posts" }).getAttribute("href"), "#/posts");
      await openSection(page, "Posts");
      await visible(page.getByRole("link", { name: "A block editor post" }), "the imported post in the list");
      await page.goto(server.base + "/block-post/");
      await visible(page.getByRole("heading", { name: "A block editor post", level: 1 }), "the post's page");
    });

    await step("the site downloads as a WordPress file and as a zip, with the imported post in both", async () => {
      await page.goto(server.base + "/admin/#/import");
      const card = page.getByRole("region", { name: "Export the site" });
      await visible(card, "the export card");
      await shot(page, "export-card");
      for (const [label, extension, holds] of [
        ["Download for WordPress (.xml)", ".xml", "<wp:post_name><![CDATA[block-post]]></wp:post_name>"],
        ["Download everything (.zip)", ".zip", "posts/2024-02-01-block-post.md"],
      ]) {
        const [download] = await Promise.all([page.waitForEvent("download"), card.getByRole("link", { name: label }).click()]);
        assert.match(download.suggestedFilename(), new RegExp(`^folio-export-\\d{4}-\\d{2}-\\d{2}\\${extension}$`));
        const body = await readFile(await download.path());
        assert.ok(body.includes(holds), `${label}: holds ${holds}`);
      }
    });

    await step("a hostile file fails with the reason, and the screen shows the last import when opened again", async () => {
      await page.goto(server.base + "/admin/#/import");
      await visible(page.getByRole("heading", { name: "Last import: import report", level: 2 }), "the last import's report");
      await page.getByLabel("Export file").setInputFiles(BROKEN);
      await page.getByRole("button", { name: "Import", exact: true }).click();
      await visible(page.getByRole("heading", { name: "Import failed", level: 2 }), "the failure's heading");
      await hasText(page.getByRole("alert"), /billion-laughs\.wxr is refused, and nothing was imported: .*DOCTYPE/, "the refusal");
      await shot(page, "import-failed");
    });
  }, server);
});
