// A contributor writes drafts only: the editor offers no way to publish, and the API refuses it anyway.
import { test } from "node:test";
import assert from "node:assert/strict";
import { eventually } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, hasText, steps } from "../lib/browser.js";

const env = folioAndBrowser();

test("a contributor saves a draft, sees no publish controls, and cannot publish through the API", { timeout: 90_000 }, async () => {
  const { server, browser } = env;
  const contributor = await server.addUser("contributor", { name: "Connie Contributor" });
  // A fresh context: nothing shared with any other session.
  const page = await newPage(browser);
  const TITLE = "A contributor's draft";

  await steps(() => page, "contributor", async (step) => {
    await step("sign in as the contributor", () => signIn(page, server.base, contributor.email, contributor.password));

    await step("open a new post", async () => {
      await page.getByRole("link", { name: "New post" }).click();
      await visible(page.getByRole("heading", { name: "New post", level: 1 }), "the New post heading");
    });

    await step('there is no "Publish", "Publish now" or "Schedule" control', async () => {
      await visible(page.getByLabel("Title", { exact: true }), "the Title field");
      for (const name of [/publish now/i, /schedule/i]) {
        assert.equal(await page.getByRole("radio", { name }).count(), 0, `no radio named ${name}`);
        assert.equal(await page.getByRole("button", { name }).count(), 0, `no button named ${name}`);
        assert.equal(await page.getByLabel(name).count(), 0, `no control labelled ${name}`);
      }
      assert.equal(await page.getByLabel("Publish at").count(), 0, 'no "Publish at" field');
      assert.equal(await page.getByRole("button", { name: "Publish", exact: true }).count(), 0, 'no "Publish" button');
      await visible(page.getByText(/an editor will publish/i), "the note that an editor will publish it");
    });

    await step("write and save", async () => {
      await page.getByLabel("Title", { exact: true }).fill(TITLE);
      await page.getByLabel("Markdown", { exact: true }).fill("Please publish me, editor.\n");
      await page.getByRole("button", { name: "Save draft", exact: true }).click();
      await hasText(page.getByRole("status").filter({ hasText: /saved/i }), /^Saved at/i, "the editor's save status line");
    });

    const post = await step("it is stored as a draft", () =>
      eventually(
        async () => {
          const { body } = await server.api("GET", "/api/v1/posts?status=draft");
          return body.posts.find((p) => p.title === TITLE && p.author === contributor.id);
        },
        { what: "the contributor's draft in GET /api/v1/posts" },
      ),
    );
    assert.equal(post.status, "draft");

    await step("the editor moves to the saved post's address", async () => {
      await eventually(async () => new RegExp(`#/posts/${post.id}$`).test(page.url()), {
        what: "the editor's address to become #/posts/ID after the first save",
      });
    });

    await step("the API refuses to publish it with the contributor's own session", async () => {
      const status = await page.evaluate(async (id) => {
        const me = await (await fetch("/api/v1/me", { headers: { Accept: "application/json" } })).json();
        const response = await fetch(`/api/v1/posts/${id}/publish`, {
          method: "POST",
          headers: { Accept: "application/json", "X-CSRF-Token": me.csrf_token },
        });
        return response.status;
      }, post.id);
      assert.equal(status, 403);
    });

    await step("the API refuses with a write token of theirs too", async () => {
      const token = server.tokenFor(contributor.email);
      const refused = await server.api("POST", `/api/v1/posts/${post.id}/publish`, undefined, token);
      assert.equal(refused.status, 403, JSON.stringify(refused.body));
      const stored = await server.apiOk("GET", `/api/v1/posts/${post.id}`);
      assert.equal(stored.status, "draft");
    });
  }, server);
});
