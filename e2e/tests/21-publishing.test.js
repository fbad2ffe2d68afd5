// Publishing from the editor's own buttons: Publish, Update, Switch to draft and Schedule for
// the owner; Submit for review for a contributor, and the editor who finds it waiting.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OWNER, eventually } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, hasText, shot, steps } from "../lib/browser.js";

const env = folioAndBrowser();

/** The editor's buttons by exact name: what a person reads on them. */
const button = (page, name) => page.getByRole("button", { name, exact: true });
const live = (page) => page.locator("#editor-live");

/** A `datetime-local` value a day from now (in the browser's zone, which is the site's by default). */
function tomorrowAtNine() {
  const d = new Date(Date.now() + 24 * 3600 * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T09:00`;
}

test("the owner publishes, updates, switches to draft and schedules with the editor's buttons", { timeout: 120_000 }, async () => {
  const { server, browser } = env;
  const page = await newPage(browser);
  const TITLE = "Buttons that say what they do";
  let id;
  const stored = () => server.apiOk("GET", `/api/v1/posts/${id}`);

  await steps(() => page, "publishing", async (step) => {
    await step("sign in and start a post", async () => {
      await signIn(page, server.base, OWNER.email, OWNER.password);
      await page.getByRole("link", { name: "New post" }).click();
      await visible(page.getByRole("heading", { name: "New post", level: 1 }), "the New post heading");
      await page.getByLabel("Title", { exact: true }).fill(TITLE);
      await page.getByLabel("Markdown", { exact: true }).fill("The first words.\n");
    });

    await step("a draft offers Save draft, Schedule… and Publish, and says it is not on the site", async () => {
      await hasText(live(page), /^Draft — not on the site$/, "the status line");
      for (const name of ["Save draft", "Schedule…", "Publish"]) await visible(button(page, name), `the "${name}" button`);
      assert.equal(await button(page, "Update").count(), 0, "no Update for a draft");
      assert.equal(await page.getByRole("radio").count(), 0, "no status radios any more");
      await shot(page, "editor-publish-draft");
    });

    await step("Save draft keeps it a draft", async () => {
      await button(page, "Save draft").click();
      await hasText(page.getByRole("status").filter({ hasText: /saved/i }), /^Saved at/i, "the save line");
      id = await eventually(async () => (page.url().match(/#\/posts\/([0-9a-f-]{36})$/) || [])[1], { what: "the post's id in the address" });
      assert.equal((await stored()).status, "draft");
    });

    await step("Publish puts it on the site and the line says so, with a link to it", async () => {
      await button(page, "Publish").click();
      await hasText(live(page), /^Published .+· View post$/, "the status line after publishing");
      await visible(page.getByRole("link", { name: "View post" }), "the View post link");
      assert.equal((await stored()).status, "published");
      await visible(button(page, "Update"), "the Update button");
      await visible(button(page, "Switch to draft"), "the Switch to draft button");
      assert.equal(await button(page, "Save draft").count() + (await button(page, "Publish").count()), 0, "no Save draft or Publish on a live post");
      await shot(page, "editor-publish-live");
    });

    await step("Update saves the live post", async () => {
      await page.getByLabel("Markdown", { exact: true }).fill("The corrected words.\n");
      await button(page, "Update").click();
      await eventually(async () => (await stored()).markdown === "The corrected words.\n", { what: "the update to be stored" });
      const post = await stored();
      assert.equal(post.status, "published");
      const html = await fetch(`${server.base}/${post.slug}/`).then((r) => r.text());
      assert.match(html, /The corrected words\./);
    });

    await step("Switch to draft asks, then takes it off the site", async () => {
      await button(page, "Switch to draft").click();
      const dialog = page.getByRole("dialog");
      await visible(dialog, "the confirmation");
      await dialog.getByRole("button", { name: "Switch to draft" }).click();
      await hasText(live(page), /^Draft — not on the site$/, "the status line after switching to draft");
      assert.equal((await stored()).status, "draft");
    });

    await step("Schedule… opens the time, and the primary button schedules at it", async () => {
      await button(page, "Schedule…").click();
      const at = page.getByLabel("Publish at");
      await visible(at, "the Publish at field");
      assert.ok(await at.evaluate((el) => el === document.activeElement), "the time field has focus");
      await visible(button(page, "Schedule"), "the primary button reading Schedule");
      await at.fill(tomorrowAtNine());
      await button(page, "Schedule").click();
      await hasText(live(page), /^Scheduled for .+not on the site yet$/, "the status line after scheduling");
      const post = await stored();
      assert.equal(post.status, "scheduled");
      assert.ok(new Date(post.publish_at) > new Date(), `publish_at in the future: ${post.publish_at}`);
      await visible(button(page, "Update"), "Update for a scheduled post");
      await shot(page, "editor-publish-scheduled");
    });

    await step("a time already past is refused with a reason, and nothing changes", async () => {
      await button(page, "Change time…").click();
      await page.getByLabel("Publish at").fill("2001-01-01T09:00");
      await button(page, "Update").click();
      await hasText(page.getByRole("alert"), /time has passed/i, "the refusal");
      assert.equal((await stored()).status, "scheduled");
    });
  }, server);
});

test("a contributor submits for review; an editor finds it waiting and publishes it", { timeout: 120_000 }, async () => {
  const { server, browser } = env;
  const contributor = await server.addUser("contributor", { name: "Cora Contributor" });
  const editor = await server.addUser("editor", { name: "Eddie Editor" });
  const TITLE = "Harbour notes for review";
  const page = await newPage(browser);
  let current = page;
  let id;

  await steps(() => current, "review", async (step) => {
    await step("the contributor writes a post", async () => {
      await signIn(page, server.base, contributor.email, contributor.password);
      await page.getByRole("link", { name: "New post" }).click();
      await page.getByLabel("Title", { exact: true }).fill(TITLE);
      await page.getByLabel("Markdown", { exact: true }).fill("Boats, mostly.\n");
    });

    await step("they see Submit for review and Save draft, never Publish or Schedule", async () => {
      await visible(button(page, "Submit for review"), "the Submit for review button");
      await visible(button(page, "Save draft"), "the Save draft button");
      for (const name of [/publish$/i, /schedule/i, /^update$/i]) {
        assert.equal(await page.getByRole("button", { name }).count(), 0, `no button named ${name}`);
      }
      await hasText(live(page), /an editor will publish/i, "the status line");
    });

    await step("Submit for review saves it and marks it waiting", async () => {
      await button(page, "Submit for review").click();
      await hasText(live(page), /^Draft — waiting for review since /, "the status line after submitting");
      id = await eventually(async () => (page.url().match(/#\/posts\/([0-9a-f-]{36})$/) || [])[1], { what: "the post's id in the address" });
      const post = await server.apiOk("GET", `/api/v1/posts/${id}`);
      assert.equal(post.status, "draft");
      assert.ok(post.review_requested_at, "review_requested_at is set");
      assert.equal(post.markdown, "Boats, mostly.\n");
      await visible(button(page, "Withdraw from review"), "the Withdraw from review button");
      assert.equal(await button(page, "Submit for review").count(), 0, "submitted once");
      await shot(page, "editor-review-submitted");
    });

    const desk = await newPage(browser);
    current = desk;
    await step("the editor's posts list points to what waits for them", async () => {
      await signIn(desk, server.base, editor.email, editor.password);
      const pointer = desk.locator(".posts-review");
      await hasText(pointer, /Waiting for review \(1\)/, "the waiting-for-review notice");
      await shot(desk, "posts-waiting-for-review");
      await pointer.getByRole("link", { name: "Show it" }).click();
      await eventually(async () => /status=review/.test(desk.url()), { what: "the filter in the address" });
      // The list renders again for the new address: its Status filter then reads the filter.
      await eventually(async () => (await desk.getByLabel("Status").inputValue()) === "review", { what: 'the Status filter set to "Waiting for review"' });
      await hasText(desk.locator(".posts-summary"), /^1 post matches/, "the filtered count");
      await visible(desk.getByRole("row").filter({ hasText: TITLE }).getByText("Waiting for review"), "the row's badge");
    });

    await step("the editor opens it, is told it waits, and publishes it", async () => {
      await desk.getByRole("link", { name: TITLE }).click();
      await hasText(desk.locator(".editor-review-notice"), /Waiting for review\. Cora Contributor submitted this draft/, "the notice in the editor");
      await shot(desk, "editor-review-notice");
      await button(desk, "Publish").click();
      await hasText(live(desk), /^Published /, "the status line after publishing");
      const post = await server.apiOk("GET", `/api/v1/posts/${id}`);
      assert.equal(post.status, "published");
      assert.equal(post.review_requested_at, null, "publishing answered the request");
      assert.ok(await desk.locator(".editor-review-notice").isHidden(), "the notice is gone");
      const { total } = await server.apiOk("GET", "/api/v1/posts?review=waiting");
      assert.equal(total, 0);
    });
  }, server);
});

test("an editor sends a submitted draft back to its writer", { timeout: 90_000 }, async () => {
  const { server, browser } = env;
  const writer = await server.addUser("contributor");
  const token = server.tokenFor(writer.email);
  const draft = await server.apiOk("POST", "/api/v1/posts", { title: "Not quite ready", markdown: "Almost there.\n" }, { token, expected: 201 });
  await server.apiOk("PATCH", `/api/v1/posts/${draft.id}`, { revision: draft.revision, review: true }, { token });
  const page = await newPage(browser);
  await steps(() => page, "send-back", async (step) => {
    await step("the editor opens the waiting draft and sends it back", async () => {
      await signIn(page, server.base, OWNER.email, OWNER.password);
      await page.goto(`${server.base}/admin/#/posts/${draft.id}`);
      await hasText(page.locator(".editor-review-notice"), /Waiting for review\./, "the notice in the editor");
      await page.getByRole("button", { name: "Send back to the writer" }).click();
      await hasText(page.getByRole("status").filter({ hasText: "Sent back" }), /Sent back to the writer/, "the sent-back notice");
      assert.ok(await page.locator(".editor-review-notice").isHidden(), "the notice is gone");
      const now = await server.apiOk("GET", `/api/v1/posts/${draft.id}`);
      assert.equal(now.status, "draft", "still a draft");
      assert.equal(now.review_requested_at, null, "no longer waiting");
    });
  }, server);
});
