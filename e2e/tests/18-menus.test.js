// Menus: built in Settings from a page, a tag and an outside address, reordered by keyboard, then followed on the site.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OWNER } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, hasText, openSection, shot, steps } from "../lib/browser.js";

const env = folioAndBrowser();

test("the owner builds the main menu and readers follow it", { timeout: 90_000 }, async () => {
  const { server, browser } = env;
  await server.apiOk("POST", "/api/v1/posts", { title: "About", type: "page", markdown: "Who we are.\n", status: "published" }, { expected: 201 });
  await server.apiOk("POST", "/api/v1/posts", { title: "Kites", markdown: "Red ones.\n", tags: ["Birds"], status: "published" }, { expected: 201 });
  const page = await newPage(browser);
  let current = page;

  await steps(() => current, "menus", async (step) => {
    await step("add a page, a tag and an outside address to the main menu", async () => {
      await signIn(page, server.base, OWNER.email, OWNER.password);
      await openSection(page, "Settings");
      const add = page.getByLabel("What to add to the main menu");
      await add.selectOption({ label: "About" });
      await add.selectOption({ label: "Birds" });
      await add.selectOption({ label: "Another address" });
      const menu = page.getByRole("list", { name: "Main menu" });
      const last = menu.getByRole("listitem").last();
      await last.getByLabel("Label").fill("Elsewhere");
      await last.getByLabel("Address").fill("https://example.org/");
    });

    await step("move the outside address first, by keyboard", async () => {
      const up = page.getByRole("button", { name: "Move Elsewhere up" });
      await up.focus();
      await page.keyboard.press("Enter");
      await page.keyboard.press("Enter");
      const labels = await page.getByRole("list", { name: "Main menu" }).getByLabel("Label").evaluateAll((inputs) => inputs.map((i) => i.value));
      assert.deepEqual(labels, ["Elsewhere", "About", "Birds"]);
    });

    await step("drag Birds to the top by its handle", async () => {
      const menu = page.getByRole("list", { name: "Main menu" });
      await menu.getByRole("listitem").nth(2).locator(".drag-handle").dragTo(menu.getByRole("listitem").nth(0));
      const labels = await menu.getByLabel("Label").evaluateAll((inputs) => inputs.map((i) => i.value));
      assert.deepEqual(labels, ["Birds", "Elsewhere", "About"]);
      await shot(page, "settings-menus");
      await page.getByRole("button", { name: "Save menus" }).click();
      await hasText(page.getByRole("status").filter({ hasText: "Menus saved" }), /Menus saved/, "the saved notice");
    });

    await step("a reader sees the menu and follows each link", async () => {
      const reader = await newPage(browser);
      current = reader;
      await reader.goto(`${server.base}/`);
      const nav = reader.getByRole("navigation", { name: "Main" });
      const links = await nav.getByRole("link").evaluateAll((as) => as.map((a) => [a.textContent, a.getAttribute("href")]));
      assert.deepEqual(links, [["Birds", "/tag/birds/"], ["Elsewhere", "https://example.org/"], ["About", "/about/"]]);
      await shot(reader, "site-menu");
      await nav.getByRole("link", { name: "About" }).click();
      await visible(reader.getByRole("heading", { name: "About", level: 1 }), "the About page");
      await reader.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Birds" }).click();
      await visible(reader.getByRole("heading", { name: "Birds", level: 1 }), "the Birds tag page");
      await visible(reader.getByRole("link", { name: "Kites" }), "the tagged post");
    });
  }, server);
});
