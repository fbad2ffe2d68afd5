// A draft's preview link: made in the editor, opened signed out in the site's theme, then revoked (404).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { OWNER } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, hasText, shot, steps, SCREENSHOTS } from "../lib/browser.js";

const env = folioAndBrowser();

test("an author shares a draft by a private link and revokes it", { timeout: 90_000 }, async () => {
  const { server, browser } = env;
  const post = await server.apiOk(
    "POST",
    "/api/v1/posts",
    { title: "Not out yet", markdown: "A draft *for a friend* to read.\n" },
    { expected: 201 },
  );
  const page = await newPage(browser);
  let current = page;
  let url;

  await steps(() => current, "preview-link", async (step) => {
    await step("sign in and open the draft's editor", async () => {
      await signIn(page, server.base, OWNER.email, OWNER.password);
      await page.goto(`${server.base}/admin/#/posts/${post.id}`);
      await visible(page.getByRole("heading", { name: "Edit post", level: 1 }), "the Edit post heading");
    });

    await step("make a preview link", async () => {
      await page.getByText("Preview link", { exact: true }).click();
      await hasText(page.locator(".share-body"), /no preview link/i, "the panel saying there is none yet");
      await page.getByRole("button", { name: "Make a preview link" }).click();
      const address = page.getByLabel("Preview link", { exact: true });
      await visible(address, "the link's address");
      url = await address.inputValue();
      assert.match(url, /\/preview\/[0-9a-f]{64}\/$/);
      await shot(page, "editor-preview-link");
      // The page's shots start at its top; the panel is further down.
      await page.locator(".editor-share").screenshot({ path: join(SCREENSHOTS, "editor-preview-link-panel.png") });
    });

    await step("open it signed out: the draft in the site's theme", async () => {
      const reader = await newPage(browser);
      current = reader;
      const response = await reader.goto(url);
      assert.equal(response.status(), 200);
      await visible(reader.getByRole("heading", { name: "Not out yet", level: 1 }), "the draft's title");
      await hasText(reader.getByRole("status"), /Preview of a draft post/, "the preview banner");
      assert.equal(await reader.locator('meta[name="robots"]').getAttribute("content"), "noindex, nofollow");
      await shot(reader, "preview-link");
      await reader.close();
      current = page;
    });

    await step("revoke it: the link now finds nothing", async () => {
      await page.getByRole("button", { name: "Revoke link" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Revoke link" }).click();
      await hasText(page.locator(".share-body"), /no preview link/i, "the panel after revoking");
      const reader = await newPage(browser);
      current = reader;
      const response = await reader.goto(url);
      assert.equal(response.status(), 404);
      await visible(reader.getByRole("heading", { name: /not found/i }), "the site's 404 page");
      await reader.close();
      current = page;
    });
  }, server);
});
