// The People screen: a password reset says it revoked the person's API tokens, and removing someone who wrote
// posts asks who takes them over (issue 10, items 10 and 14).
import { test } from "node:test";
import assert from "node:assert/strict";
import { OWNER } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, hasText, openSection, steps } from "../lib/browser.js";

const env = folioAndBrowser();

test("a reset says the tokens were revoked, and removing a writer hands their posts to someone", { timeout: 120_000 }, async () => {
  const { server, browser } = env;
  const writer = await server.addUser("author", { name: "Wanda Writer" });
  const writerToken = server.tokenFor(writer.email);
  const post = await server.apiOk(
    "POST",
    "/api/v1/posts",
    { title: "Wanda's post", markdown: "Hello.", status: "published" },
    { token: writerToken, expected: 201 },
  );
  const editor = await server.addUser("editor", { name: "Eddie Editor" });
  const editorToken = server.tokenFor(editor.email);
  const me = await server.apiOk("GET", "/api/v1/me");
  const page = await newPage(browser);

  await steps(() => page, "people", async (step) => {
    await step("sign in as the owner", () => signIn(page, server.base, OWNER.email, OWNER.password));
    await step("open People", () => openSection(page, "People"));

    await step("set a new password for Eddie", async () => {
      await page.getByRole("button", { name: "Set a new password for Eddie Editor" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByLabel("New password").fill("a new password for eddie");
      await dialog.getByRole("button", { name: "Set password" }).click();
      await hasText(page.locator("#toasts .toast"), /1 API token revoked/, "the toast after the reset");
    });
    await step("Eddie's token no longer works", async () => {
      const { status } = await server.api("GET", "/api/v1/me", undefined, editorToken);
      assert.equal(status, 401);
    });

    await step("removing Wanda asks who takes over her post", async () => {
      await page.getByRole("button", { name: "Remove Wanda Writer" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Remove", exact: true }).click();
      const dialog = page.getByRole("dialog");
      await visible(dialog.getByText(/has written 1 post/), "the question who takes over");
      await dialog.getByRole("button", { name: "Move posts and remove" }).click();
      await hasText(page.locator("#toasts .toast"), /posts now belong to Olive Owner/, "the toast after the removal");
    });
    await step("the post is the owner's now and Wanda is gone", async () => {
      const moved = await server.apiOk("GET", `/api/v1/posts/${post.id}`);
      assert.equal(moved.author, me.user.id);
      const { status } = await server.api("GET", `/api/v1/users/${writer.id}`);
      assert.equal(status, 404);
    });
  }, server);
});
