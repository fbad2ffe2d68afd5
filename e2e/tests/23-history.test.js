// History that explains itself: labelled revisions, close autosaves kept as one, a preview and a diff of each,
// and restoring an old revision of a published post that keeps its tags and feature image and leaves the
// live page as it is until the writer saves.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OWNER, eventually } from "../lib/folio.js";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { folioAndBrowser, newPage, signIn, visible, hasText, shot, steps, DESKTOP, PHONE } from "../lib/browser.js";
import { png } from "../lib/png.js";

const env = folioAndBrowser();

const OLD = "Old words from the first draft.\n";
const LIVE = "New words, live on the site.\n\nA second paragraph.\n";

async function upload(server, name) {
  const form = new FormData();
  form.append("file", new Blob([png(800, 500)], { type: "image/png" }), name);
  form.append("alt", "A harbour at dawn");
  const response = await fetch(server.base + "/api/v1/media", {
    method: "POST",
    headers: { Authorization: `Bearer ${server.ownerToken}`, Accept: "application/json" },
    body: form,
  });
  assert.equal(response.status, 201, await response.clone().text());
  return response.json();
}

async function livePage(server) {
  const response = await fetch(`${server.base}/harbour-log/`);
  return response.text();
}

test("restoring an old revision of a published post keeps its tags and picture, and the live page until saved", { timeout: 150_000 }, async () => {
  const { server, browser } = env;
  const picture = await upload(server, "harbour.png");
  // Revision 1: a draft with no tags and no picture; revision 2: published with both.
  const post = await server.apiOk("POST", "/api/v1/posts", { title: "Harbour log", markdown: OLD }, { expected: 201 });
  await server.apiOk("PATCH", `/api/v1/posts/${post.id}`, {
    markdown: LIVE,
    tags: ["boats", "sea"],
    feature_image: picture.id,
    status: "published",
    revision: 1,
  });
  const page = await newPage(browser);

  await steps(() => page, "history", async (step) => {
    await step("sign in and open the published post", async () => {
      await signIn(page, server.base, OWNER.email, OWNER.password);
      await page.goto(`${server.base}/admin/#/posts/${post.id}`);
      await visible(page.getByRole("heading", { name: "Edit post", level: 1 }), "the Edit post heading");
    });

    const history = page.locator("details.editor-history").filter({ has: page.getByText("History", { exact: true }) });
    await step("the history labels each revision", async () => {
      await history.getByText("History", { exact: true }).click();
      const second = history.getByRole("heading", { name: /Revision 2/ });
      await hasText(second, /Published/, "revision 2's label");
      await hasText(history.getByRole("heading", { name: /Revision 1/ }), /Saved/, "revision 1's label");
      await visible(history.getByText("Current · live"), "the current, live revision marked");
    });

    await step("revision 1's preview and its differences from the editor's text", async () => {
      await history.getByRole("button", { name: "Preview and changes" }).last().click();
      const detail = page.locator("#revision-1-detail");
      await visible(detail.getByRole("heading", { name: /Changes from revision 1/ }), "the changes heading");
      await hasText(detail.locator(".diff-del"), /Old words/, "a removed line");
      assert.equal(await detail.locator(".diff-del .visually-hidden").first().innerText(), "Removed:");
      assert.match(await detail.locator(".diff-add").first().innerText(), /^\+/);
      await hasText(detail.locator(".diff-summary"), /3 lines added, 1 line removed/, "the diff's summary");
      await hasText(detail.locator(".history-preview"), /Old words from the first draft/, "the revision's preview");
      await hasText(detail.locator(".history-fields"), /A restore keeps every tag/, "what a restore does with tags");
      await shot(page, "history-diff");
    });

    await step("restore revision 1: asked how, and loaded into the editor", async () => {
      await history.getByRole("button", { name: "Restore revision 1" }).click();
      const dialog = page.getByRole("dialog", { name: "Restore revision 1?" });
      await visible(dialog, "the restore question");
      await shot(page, "history-restore-question");
      await dialog.getByRole("button", { name: "Load into the editor" }).click();
      await dialog.waitFor({ state: "hidden" });
      await eventually(async () => (await page.getByLabel("Markdown", { exact: true }).inputValue()) === OLD, {
        what: "revision 1's text in the editor",
      });
      assert.equal(await page.getByLabel("Tags", { exact: true }).inputValue(), "boats, sea");
      await visible(page.getByRole("button", { name: "Remove feature image" }), "the feature image, still chosen");
    });

    await step("the live post is unchanged until saved", async () => {
      const stored = await server.apiOk("GET", `/api/v1/posts/${post.id}`);
      assert.equal(stored.markdown, LIVE);
      assert.equal(stored.revision, 2);
      assert.match(await livePage(server), /New words, live on the site/);
    });

    await step("saving puts it live, with its tags and picture", async () => {
      await page.getByLabel("Markdown", { exact: true }).press("Control+s");
      await eventually(async () => (await server.apiOk("GET", `/api/v1/posts/${post.id}`)).revision === 3, {
        what: "the save",
      });
      const stored = await server.apiOk("GET", `/api/v1/posts/${post.id}`);
      assert.equal(stored.markdown, OLD);
      assert.equal(stored.status, "published");
      assert.deepEqual(stored.tags.map((t) => t.name), ["boats", "sea"]);
      assert.equal(stored.feature_image, picture.id);
      assert.match(await livePage(server), /Old words from the first draft/);
      const [newest] = await server.apiOk("GET", `/api/v1/posts/${post.id}/revisions`);
      assert.equal(newest.kind, "restored", "saving a revision brought back is labelled a restore");
    });

    await step("restore and publish revision 2 at once: labelled restored", async () => {
      await hasText(page.locator(".editor-line"), /Saved at/, "the save line");
      await history.getByRole("button", { name: "Restore revision 2" }).click();
      const dialog = page.getByRole("dialog", { name: "Restore revision 2?" });
      await dialog.getByRole("button", { name: "Restore and publish now" }).click();
      await eventually(async () => (await server.apiOk("GET", `/api/v1/posts/${post.id}`)).revision === 4, {
        what: "the restore",
      });
      assert.match(await livePage(server), /New words, live on the site/);
      await visible(page.getByRole("heading", { name: "Edit post", level: 1 }), "the editor, reloaded");
      await page.locator("details.editor-history summary").first().click();
      await hasText(page.getByRole("heading", { name: /Revision 4/ }), /Restored/, "revision 4's label");
      const stored = await server.apiOk("GET", `/api/v1/posts/${post.id}`);
      assert.deepEqual(stored.tags.map((t) => t.name), ["boats", "sea"]);
      assert.equal(stored.feature_image, picture.id);
    });
  }, server);
});

test("the editor's autosaves are labelled and a few minutes of them are one revision", { timeout: 120_000 }, async () => {
  const { server, browser } = env;
  const post = await server.apiOk("POST", "/api/v1/posts", { title: "Tide tables", markdown: "High water.\n" }, { expected: 201 });
  const page = await newPage(browser);

  await steps(() => page, "autosave", async (step) => {
    await step("sign in and open the draft", async () => {
      await signIn(page, server.base, OWNER.email, OWNER.password);
      await page.goto(`${server.base}/admin/#/posts/${post.id}`);
      await visible(page.getByRole("heading", { name: "Edit post", level: 1 }), "the Edit post heading");
    });

    const markdown = page.getByLabel("Markdown", { exact: true });
    await step("type twice, letting the editor save on its own each time", async () => {
      for (const [n, text] of [[2, "High water at noon.\n"], [3, "High water at noon.\nLow water at six.\n"]]) {
        await markdown.fill(text);
        await eventually(async () => (await server.apiOk("GET", `/api/v1/posts/${post.id}`)).revision === n, {
          timeout: 15_000,
          what: `autosave ${n - 1}`,
        });
      }
    });

    await step("one autosave revision stands for both", async () => {
      const revisions = await server.apiOk("GET", `/api/v1/posts/${post.id}/revisions`);
      assert.deepEqual(revisions.map((r) => [r.revision, r.kind]), [[3, "autosave"], [1, "saved"]]);
      await page.locator("details.editor-history summary").first().click();
      await hasText(page.getByRole("heading", { name: /Revision 3/ }), /Autosave/, "revision 3's label");
      await visible(page.getByText(/Autosaves of revisions 2 to 3/), "what the coalesced row stands for");
      await shot(page, "history-autosaves");
    });
  }, server);
});

test("the history panel, a revision's changes and the restore question pass axe's WCAG 2 A/AA checks", { timeout: 120_000 }, async () => {
  const { server, browser } = env;
  const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  const post = await server.apiOk("POST", "/api/v1/posts", { title: "Checked history", markdown: "One.\nTwo.\n" }, { expected: 201 });
  await server.apiOk("PATCH", `/api/v1/posts/${post.id}`, { markdown: "One.\nThree.\n", status: "published", revision: 1 });
  await server.apiOk("PATCH", `/api/v1/posts/${post.id}`, { markdown: "One.\nFour.\n", revision: 2 });
  // axe is added as an inline script, which only a context that bypasses the CSP allows.
  const page = await newPage(browser, { contextOptions: { bypassCSP: true } });
  const audit = async (what) => {
    const found = [];
    for (const [size, colorScheme] of [[DESKTOP, "light"], [PHONE, "light"], [DESKTOP, "dark"]]) {
      await page.emulateMedia({ colorScheme });
      await page.setViewportSize(size);
      await page.waitForTimeout(150);
      if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.addScriptTag({ content: AXE });
      const violations = await page.evaluate(async () => (await window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa"] })).violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`));
      found.push(...violations.map((v) => `${what} at ${size.width} px, ${colorScheme}: ${v}`));
    }
    await page.emulateMedia({ colorScheme: "light" });
    await page.setViewportSize(DESKTOP);
    return found;
  };

  await steps(() => page, "history-axe", async (step) => {
    await step("open the history with a revision's changes", async () => {
      await signIn(page, server.base, OWNER.email, OWNER.password);
      await page.goto(`${server.base}/admin/#/posts/${post.id}`);
      await visible(page.getByRole("heading", { name: "Edit post", level: 1 }), "the Edit post heading");
      await page.locator("details.editor-history summary").first().click();
      await page.getByRole("button", { name: "Preview and changes" }).last().click();
      await hasText(page.locator("#revision-1-detail .history-preview"), /Two/, "revision 1's preview");
    });
    await step("axe finds nothing serious in the panel", async () => {
      assert.deepEqual(await audit("history"), []);
    });
    await step("nor in the restore question", async () => {
      await page.getByRole("button", { name: "Restore revision 1" }).click();
      await visible(page.getByRole("dialog", { name: "Restore revision 1?" }), "the restore question");
      assert.deepEqual(await audit("restore question"), []);
      await page.keyboard.press("Escape");
    });
  }, server);
});
