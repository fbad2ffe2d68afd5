// Two tabs edit the same post: the second save is refused with a clear alert, and its text is kept.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OWNER, eventually } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, hasText, shot, steps } from "../lib/browser.js";

const env = folioAndBrowser();

test("a save based on an old revision shows who-saved-first and keeps the text", { timeout: 90_000 }, async () => {
  const { server, browser } = env;
  const post = await server.apiOk(
    "POST",
    "/api/v1/posts",
    { title: "Shared draft", markdown: "The first version.\n" },
    { expected: 201 },
  );
  const tab1 = await newPage(browser);
  let tab2;
  let current = tab1;
  const ONE = "Tab one wrote this.\n";
  const TWO = "Tab two wrote something else entirely.\n";

  await steps(() => current, "conflict", async (step) => {
    await step("sign in in tab 1", () => signIn(tab1, server.base, OWNER.email, OWNER.password));

    await step("open the post's editor in both tabs", async () => {
      await tab1.goto(`${server.base}/admin/#/posts/${post.id}`);
      tab2 = await newPage(browser, { context: tab1.context() });
      await tab2.goto(`${server.base}/admin/#/posts/${post.id}`);
      for (const tab of [tab1, tab2]) {
        current = tab;
        await visible(tab.getByRole("heading", { name: "Edit post", level: 1 }), "the Edit post heading");
        const markdown = tab.getByLabel("Markdown", { exact: true });
        await eventually(async () => (await markdown.inputValue()) === "The first version.\n", {
          what: "the post's Markdown in the editor",
        });
      }
    });

    await step("tab 1 edits and saves", async () => {
      current = tab1;
      await tab1.getByLabel("Markdown", { exact: true }).fill(ONE);
      await tab1.getByRole("button", { name: "Save draft", exact: true }).click();
      await eventually(
        async () => (await server.apiOk("GET", `/api/v1/posts/${post.id}`)).markdown === ONE,
        { what: "tab 1's text to be saved" },
      );
    });

    await step("tab 2 edits and saves", async () => {
      current = tab2;
      await tab2.getByLabel("Markdown", { exact: true }).fill(TWO);
      await tab2.getByRole("button", { name: "Save draft", exact: true }).click();
    });

    await step("tab 2 shows an alert that someone else saved the post", async () => {
      const alert = tab2.getByRole("alert").filter({ hasText: /someone else|somebody else|another (person|tab|window)/i });
      await hasText(alert, /saved/i, "the conflict alert");
    });

    await step("tab 2 still holds tab 2's text", async () => {
      assert.equal(await tab2.getByLabel("Markdown", { exact: true }).inputValue(), TWO);
      await shot(tab2, "editor-conflict");
    });

    await step("the server kept tab 1's save", async () => {
      const stored = await server.apiOk("GET", `/api/v1/posts/${post.id}`);
      assert.equal(stored.markdown, ONE);
    });
  }, server);
});
