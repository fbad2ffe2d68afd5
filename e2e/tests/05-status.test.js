// System status: panics injected through the page degrade the posts concern, and it comes back up by itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { OWNER } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, hasText, steps, SCREENSHOTS, openSection } from "../lib/browser.js";

// Three panics (one more than the limit) degrade posts; it stays down for QUIET seconds, and restarts are quick.
const RESTART_LIMIT = 2;
const QUIET = 8;
const env = folioAndBrowser({
    args: [
      "--restart-limit", String(RESTART_LIMIT),
      "--restart-window", "60s",
      "--quiet-period", `${QUIET}s`,
      "--backoff-min", "10ms",
      "--backoff-max", "50ms",
    ],
  });

async function postsState() {
  const { server } = env;
  const { body } = await server.api("GET", "/api/v1/admin/status");
  return body.concerns.find((c) => c.concern === "posts").state;
}

test("injected panics show posts as degraded, then up again after the quiet period", { timeout: 90_000 }, async () => {
  const { server, browser } = env;
  const page = await newPage(browser);
  await steps(() => page, "status", async (step) => {
    await step("sign in and open System status", async () => {
      await signIn(page, server.base, OWNER.email, OWNER.password);
      await openSection(page, "System status");
    });

    const card = page.getByRole("region", { name: "posts", exact: true });
    const plain = page.locator(".status-summary");
    await step("the posts card says up, and the summary says all is well", async () => {
      await hasText(card, /\bup\b/i, "the posts card");
      await hasText(plain, /^Everything is working\./, "the plain summary");
    });

    await step("inject panics into posts with the Fault injection form", async () => {
      await page.getByLabel("Concern", { exact: true }).selectOption("posts");
      await page.getByLabel("Fault", { exact: true }).selectOption("panic");
      await page.getByLabel("Count", { exact: true }).fill(String(RESTART_LIMIT + 1));
      await page.getByRole("button", { name: "Inject", exact: true }).click();
      const { body } = await server.api("GET", "/api/v1/admin/faults");
      const pending = body.find((p) => p.concern === "posts").pending;
      assert.equal(pending, RESTART_LIMIT + 1, "the faults are queued on the server");
    });

    await step("send test traffic: the button's own requests degrade posts", async () => {
      // Only the page talks to posts from here on: the test reads the runtime's status, which asks no concern.
      const sent = [];
      const count = (request) => {
        if (new URL(request.url()).pathname === "/api/v1/admin/stats/posts") sent.push(request);
      };
      page.on("request", count);
      await page.getByRole("button", { name: "Send test traffic" }).click();
      const summary = await hasText(
        page.getByText(/^Sent \d+ requests to posts/),
        /^Sent \d+ requests to posts: \d+ answered, \d+ failed/,
        "the button's summary of its traffic",
        20_000,
      );
      page.off("request", count);
      const failed = Number(summary.match(/(\d+) failed/)[1]);
      assert.ok(failed >= RESTART_LIMIT + 1, `the panics failed requests: ${summary}`);
      assert.ok(sent.length >= RESTART_LIMIT + 1, `the button sent ${sent.length} requests to posts`);
      assert.equal(await postsState(), "degraded", "the server says posts is degraded");
    });

    let degradedAt;
    await step("the posts card shows degraded, and the summary says what that means", async () => {
      await hasText(card, /degraded/i, "the posts card", 10_000);
      await hasText(plain, /Not everything is working\.\s+Posts and pages \(posts\) has stopped after failing repeatedly.* since \d\d:\d\d:\d\d: new posts can't be saved/, "the plain summary");
      degradedAt = Date.now();
      assert.equal(await postsState(), "degraded", "the server agrees");
      await card.scrollIntoViewIfNeeded();
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, "system-status-degraded-desktop.png") });
    });

    await step("other concerns stay up", async () => {
      for (const name of ["auth", "media", "render", "search"]) {
        const other = page.getByRole("region", { name, exact: true });
        const text = await other.innerText();
        assert.doesNotMatch(text, /degraded/i, `${name} is not degraded`);
      }
    });

    await step("the posts card shows up again by itself after the quiet period", async () => {
      await hasText(card, /^(?![\s\S]*degraded)[\s\S]*\bup\b/i, "the posts card", (QUIET + 6) * 1000);
      await hasText(plain, /^Everything is working\./, "the plain summary, all well again");
      const downFor = (Date.now() - degradedAt) / 1000;
      assert.ok(downFor <= QUIET + 6, `back up after ${downFor.toFixed(1)} s`);
      assert.equal(await postsState(), "up", "the server agrees");
    });
  }, server);
});
