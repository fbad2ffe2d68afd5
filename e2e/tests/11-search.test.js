// Search from the theme's box, as a reader does, at desktop and phone width: results with highlighted words; axe on the page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { eventually, OWNER } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, shot, steps, DESKTOP, PHONE } from "../lib/browser.js";
import { seed } from "../lib/seed.js";

const env = folioAndBrowser();
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

test("a reader searches from the header's box and sees highlighted results, on desktop and phone", { timeout: 120_000 }, async (t) => {
  const { server, browser } = env;
  const post = await seed(server);
  await server.apiOk(
    "POST",
    "/api/v1/posts",
    { title: "Tables and how to read them", markdown: "A table puts numbers in rows. Folio renders a table with aligned columns.\n", tags: ["guide"], status: "published" },
    { expected: 201 },
  );
  // Search hears of the posts within a second.
  await eventually(async () => (await server.apiOk("GET", "/api/v1/search?q=table")).total >= 2, { what: "the posts are searchable" });

  const page = await newPage(browser, { contextOptions: { bypassCSP: true } });
  await steps(() => page, "search", async (step) => {
    for (const [width, size] of [["desktop", DESKTOP], ["phone", PHONE]]) {
      await step(`search from the header at ${width} width`, async () => {
        await page.setViewportSize(size);
        await page.goto(`${server.base}/${post.slug}/`);
        const box = page.getByRole("searchbox", { name: "Search the site" });
        await visible(box, "the search box in the header");
        await box.fill("tables");
        await box.press("Enter");
        await page.waitForURL(/\/search\/\?q=tables/);
        await visible(page.getByRole("heading", { name: "Search", level: 1 }), "the search page's heading");
        await visible(page.getByText(/2 results for “tables”/), "the count of results");
        const first = page.locator(".search-result").first();
        assert.equal(await first.locator("h2").innerText(), "Tables and how to read them", "the title match comes first");
        const marks = await page.locator(".search-snippet mark").allInnerTexts();
        assert.ok(marks.length > 0, "matched words are highlighted");
        assert.ok(marks.every((m) => /^tables?$/i.test(m)), `only the words searched for are highlighted: ${marks}`);
        // Nothing wider than the screen.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
        assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
        await shot(page, `search-results-${width}`);
      });
    }

    await step("follow a result", async () => {
      await page.setViewportSize(DESKTOP);
      await page.getByRole("link", { name: post.title }).click();
      await visible(page.getByRole("heading", { name: post.title, level: 1 }), "the post the result links to");
    });

    await step("nothing found, said plainly", async () => {
      await page.goto(`${server.base}/search/?q=zyzzyva`);
      await visible(page.getByText(/Nothing matches “zyzzyva”/), "the empty result's sentence");
    });

    await step("the admin's posts list searches titles and text, drafts too", async () => {
      await page.setViewportSize(DESKTOP);
      await signIn(page, server.base, OWNER.email, OWNER.password);
      const box = page.getByRole("searchbox", { name: "Search posts" });
      const listed = page.locator("main .posts-title a");
      await box.fill("aligned colum");
      await visible(page.getByText("1 post matches these filters."), "one match");
      assert.deepEqual(await listed.allInnerTexts(), ["Tables and how to read them"], "a post found by words in its text, the last one as typed");
      await box.fill("notes for next");
      await visible(page.getByText("1 post matches these filters."), "one match");
      await visible(listed.filter({ hasText: "Notes for next week" }), "a draft found by its title");
      assert.equal(await listed.count(), 1, "only what matches");
      await shot(page, "admin-posts-search");
    });

    await step("the editor's Insert link finds a post by its words and links to it", async () => {
      await page.getByRole("link", { name: "Notes for next week" }).click();
      await visible(page.getByRole("heading", { name: "Edit post", level: 1 }), "the editor");
      const md = page.getByLabel("Markdown");
      await md.click();
      await page.keyboard.press("Control+End");
      await page.getByRole("button", { name: "Insert link" }).click();
      const dialog = page.getByRole("dialog", { name: "Link to a post or page" });
      await visible(dialog, "the link picker");
      await dialog.getByLabel("Find a post or page").fill("aligned colum");
      await visible(dialog.getByRole("button", { name: /Tables and how to read them/ }), "the post found by words in its text");
      await shot(page, "link-picker");
      await dialog.getByLabel("Find a post or page").press("Enter");
      await dialog.waitFor({ state: "detached" });
      await eventually(async () => (await md.inputValue()).includes("[Tables and how to read them](/tables-and-how-to-read-them/)"), { what: "the link in the Markdown" });
    });

    await step("axe on the search page", async () => {
      await page.goto(`${server.base}/search/?q=table`);
      const found = [];
      for (const size of [DESKTOP, PHONE]) {
        await page.setViewportSize(size);
        if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.addScriptTag({ content: AXE });
        const violations = await page.evaluate(async () => (await window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa"] })).violations.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`));
        found.push(...violations);
      }
      const failing = found.filter((v) => v.startsWith("serious") || v.startsWith("critical"));
      for (const v of found) t.diagnostic(v);
      assert.equal(failing.length, 0, `accessibility violations:\n${failing.join("\n")}`);
    });
  }, server);
  for (const problem of page.problems) t.diagnostic(`page problem: ${problem}`);
});
