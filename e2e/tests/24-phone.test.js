// The admin on a phone (390 px): wide content scrolls inside the preview, never the page; the top bar is a
// compact header; a focused control is never hidden under the top bar or the Save bar; every screen fits.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OWNER } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, shot, steps, PHONE } from "../lib/browser.js";

const env = folioAndBrowser();

const WIDE = [
  "A post that is wider than a phone.",
  "",
  "| One | Two | Three | Four | Five | Six | Seven | Eight |",
  "|-----|-----|-------|------|------|-----|-------|-------|",
  "| alpha beta | gamma delta | epsilon zeta | eta theta | iota kappa | lambda mu | nu xi | omicron pi |",
  "| 1,000,000 | 2,000,000 | 3,000,000 | 4,000,000 | 5,000,000 | 6,000,000 | 7,000,000 | 8,000,000 |",
  "",
  "```js",
  `const line = "${"a very long line of code that does not wrap ".repeat(6)}";`,
  "```",
  "",
  `See https://example.com/${"a-very-long-address-without-any-spaces-".repeat(5)}end for more.`,
  "",
  "A footnote reference.[^1] And a link to [the top](#user-content-one).",
  "",
  "[^1]: The footnote's text, with [a link](https://example.com/).",
  "",
].join("\n");

/** How far the page scrolls sideways (0 when it fits). */
const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

test("at 390 px the editor fits, wide content scrolls inside the preview, and focus stays clear of the bars", { timeout: 150_000 }, async () => {
  const { server, browser } = env;
  const post = await server.apiOk("POST", "/api/v1/posts", { title: "Wider than a phone", markdown: WIDE, tags: ["wide"] }, { expected: 201 });
  const page = await newPage(browser);

  await steps(() => page, "phone", async (step) => {
    await step("sign in on a phone", async () => {
      await page.setViewportSize(PHONE);
      await signIn(page, server.base, OWNER.email, OWNER.password);
    });

    await step("the header is compact, and its menu opens and closes", async () => {
      const header = await page.locator("#topbar").boundingBox();
      assert.ok(header.height <= 64, `the header is ${header.height}px tall`);
      const nav = page.getByRole("navigation", { name: "Admin sections" });
      assert.equal(await nav.isVisible(), false, "the sections fold behind the menu");
      const menu = page.getByRole("button", { name: "Menu" });
      await menu.click();
      assert.equal(await menu.getAttribute("aria-expanded"), "true");
      await visible(nav.getByRole("link", { name: "Media" }), "the Media link in the open menu");
      await shot(page, "phone-menu-open");
      await menu.click();
      assert.equal(await nav.isVisible(), false);
    });

    await step("open the wide post: the page does not scroll sideways", async () => {
      await page.goto(`${server.base}/admin/#/posts/${post.id}`);
      await visible(page.getByRole("heading", { name: "Edit post", level: 1 }), "the Edit post heading");
      const preview = page.getByRole("region", { name: "Preview" });
      await visible(preview.locator("table"), "the table in the preview");
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), `the page is ${await overflow(page)}px too wide`);
      for (const label of ["Title", "Markdown"]) {
        const box = await page.getByLabel(label, { exact: true }).boundingBox();
        assert.ok(box.x >= 0 && box.x + box.width <= 390, `${label} is cut off: ${JSON.stringify(box)}`);
      }
      const insert = await page.getByRole("button", { name: "Insert image" }).boundingBox();
      assert.ok(insert.x + insert.width <= 390, "Insert image is on screen");
      // The table and the code scroll inside the preview instead.
      const inside = await preview.evaluate((el) => ({
        table: el.querySelector("table").scrollWidth > el.querySelector("table").clientWidth,
        pre: el.querySelector("pre").scrollWidth > el.querySelector("pre").clientWidth,
      }));
      assert.deepEqual(inside, { table: true, pre: true });
      await shot(page, "phone-editor-wide");
    });

    await step("tab through the editor: nothing focused hides under the top bar or the Save bar", async () => {
      await page.setViewportSize(PHONE);
      await page.getByLabel("Title", { exact: true }).focus();
      const hidden = [];
      const reached = [];
      for (let i = 0; i < 45; i++) {
        await page.keyboard.press("Tab");
        const where = await page.evaluate(async () => {
          // The shell moves a control clear of the bars on the frame after it gets focus.
          await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
          const el = document.activeElement;
          if (!el || el === document.body) return null;
          const box = el.getBoundingClientRect();
          const top = document.getElementById("topbar").getBoundingClientRect();
          const bar = document.querySelector(".editor-actions");
          const bottom = bar ? bar.getBoundingClientRect() : null;
          const inBar = bar && bar.contains(el);
          const name = `${el.tagName.toLowerCase()} ${(el.getAttribute("aria-label") || el.textContent || el.name || "").trim().slice(0, 40)}`;
          // Hidden: what shows at its middle is a bar, not it (the skip link, say, shows above the top bar).
          const x = Math.min(Math.max(box.left + box.width / 2, 1), window.innerWidth - 1);
          // Near its top and, unless it is tall (a long text box), near its bottom too.
          const ys = [box.top + Math.min(box.height / 2, 20)];
          if (box.height <= 160) ys.push(box.bottom - Math.min(box.height / 2, 20));
          const shown = ys.map((y) => (y >= 0 && y < window.innerHeight ? document.elementFromPoint(x, y) : null)).filter(Boolean);
          const topbar = document.getElementById("topbar");
          const underTop = top.height > 0 && shown.some((s) => topbar.contains(s) && !el.contains(s));
          const underBottom = !inBar && !!bar && shown.some((s) => bar.contains(s));
          const offscreen = box.bottom <= 0 || box.top >= window.innerHeight;
          return { name, underTop, underBottom, offscreen, box: [Math.round(box.top), Math.round(box.bottom)], bars: [Math.round(top.bottom), bottom ? Math.round(bottom.top) : null] };
        });
        if (where) reached.push(where.name);
        if (where && (where.underTop || where.underBottom || where.offscreen)) hidden.push(where);
      }
      assert.deepEqual(hidden, [], "focused elements hidden under a bar");
      // The walk went through the preview's links (a footnote's, as in the issue) and on past the Save bar.
      assert.ok(reached.some((name) => /^a 1$/.test(name)), `no footnote link among ${reached.join(" | ")}`);
      assert.ok(reached.some((name) => /^button Save draft$/.test(name)), `no Save draft among ${reached.join(" | ")}`);
      await shot(page, "phone-editor-focus");
    });
  }, server);
});

test("every admin screen fits a phone without scrolling sideways", { timeout: 150_000 }, async () => {
  const { server, browser } = env;
  const page = await newPage(browser);
  const screens = ["#/posts", "#/posts/new", "#/media", "#/tags", "#/people", "#/tokens", "#/profile", "#/settings", "#/redirects", "#/import", "#/status"];

  await steps(() => page, "phone-screens", async (step) => {
    await step("sign in on a phone", async () => {
      await page.setViewportSize(PHONE);
      await signIn(page, server.base, OWNER.email, OWNER.password);
    });
    for (const hash of screens) {
      await step(`${hash} fits`, async () => {
        await page.goto(`${server.base}/admin/${hash}`);
        await visible(page.locator("main h1"), `the heading of ${hash}`);
        await page.waitForTimeout(400);
        const too = await overflow(page);
        if (too > 0) await shot(page, `phone-too-wide-${hash.replace(/\W+/g, "-")}`);
        assert.ok(too <= 0, `${hash} is ${too}px wider than the phone`);
      });
    }
  }, server);
});
