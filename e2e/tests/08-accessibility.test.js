// axe-core's WCAG 2 A/AA rules on every main screen at desktop and phone width, and the first keyboard stops.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { OWNER, REPO } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, hasText, steps, openSection, openSeededPost, DESKTOP, PHONE } from "../lib/browser.js";
import { seed } from "../lib/seed.js";

const env = folioAndBrowser();
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
// Moderate and minor findings are reported as diagnostics; these fail the test.
const FAILING = new Set(["serious", "critical"]);

/**
 * Runs axe on the page as it is now, at both widths and in dark mode; resolves to its violations, each with the screen's
 * name and width. The script is added as an inline <script>, which only a context with bypassCSP allows.
 */
async function audit(page, screen) {
  const found = [];
  const passes = [["1280 px", DESKTOP, "light"], ["390 px", PHONE, "light"], ["1280 px, dark", DESKTOP, "dark"]];
  for (const [width, size, colorScheme] of passes) {
    await page.emulateMedia({ colorScheme });
    await page.setViewportSize(size);
    await page.waitForTimeout(150);
    if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.addScriptTag({ content: AXE });
    const violations = await page.evaluate(async () => {
      const results = await window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa"] });
      return results.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
      }));
    });
    for (const v of violations) found.push({ screen, width, ...v });
  }
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize(DESKTOP);
  return found;
}

function describe(v) {
  const nodes = v.nodes.map((n) => `    ${n.target}\n      ${(n.summary || "").replace(/\n\s*/g, " / ")}`).join("\n");
  return `[${v.impact}] ${v.screen} at ${v.width}: ${v.id} — ${v.help}\n${nodes}`;
}

test("every main screen passes axe's WCAG 2 A/AA checks, and the keyboard starts at Skip to content", { timeout: 180_000 }, async (t) => {
  const { server, browser } = env;
  const post = await seed(server);
  const page = await newPage(browser, { contextOptions: { bypassCSP: true } });
  const h1 = (name) => page.getByRole("heading", { name, level: 1 });
  const violations = [];

  await steps(() => page, "accessibility", async (step) => {
    await step("sign-in screen", async () => {
      await page.goto(server.base + "/admin/");
      await visible(page.getByRole("button", { name: "Sign in" }), "the Sign in button");
      violations.push(...(await audit(page, "sign-in")));
    });

    await step("posts list", async () => {
      await signIn(page, server.base, OWNER.email, OWNER.password);
      await visible(page.getByRole("link", { name: post.title }), "the published post in the list");
      violations.push(...(await audit(page, "posts list")));
    });

    await step("keyboard on the posts list", async () => {
      // From the top of a freshly loaded page, as a keyboard user arrives.
      await page.reload();
      await visible(page.getByRole("link", { name: post.title }), "the published post in the list");
      const stops = [];
      for (let i = 0; i < 5; i++) {
        await page.keyboard.press("Tab");
        stops.push(
          await page.evaluate(() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            const box = el.getBoundingClientRect();
            return {
              tag: el.tagName.toLowerCase(),
              text: (el.textContent || el.getAttribute("aria-label") || "").trim(),
              outlineStyle: style.outlineStyle,
              outlineWidth: parseFloat(style.outlineWidth),
              onScreen: box.right > 0 && box.bottom > 0 && box.left < innerWidth && box.top < innerHeight,
            };
          }),
        );
      }
      assert.equal(stops[0].tag, "a", `the first Tab stop is ${JSON.stringify(stops[0])}, not the skip link`);
      assert.equal(stops[0].text, "Skip to content", "the first Tab stop is the skip link");
      for (const stop of stops) {
        assert.ok(stop.outlineStyle !== "none" && stop.outlineWidth > 0, `no focus outline on ${JSON.stringify(stop)}`);
        assert.ok(stop.onScreen, `the focused element is off screen: ${JSON.stringify(stop)}`);
      }
      // Following the skip link moves focus to the content and leaves the screen as it was
      // (its #main target must not be taken for a route).
      await page.reload();
      await visible(page.getByRole("link", { name: post.title }), "the published post in the list");
      await page.keyboard.press("Tab");
      await page.keyboard.press("Enter");
      assert.equal(await page.evaluate(() => document.activeElement.id), "main", "focus after following the skip link");
      await visible(h1("Posts"), "the Posts heading after following the skip link");
      assert.equal(new URL(page.url()).hash, "#/posts");
    });

    await step("editor with preview", async () => {
      await openSeededPost(page, post.title);
      violations.push(...(await audit(page, "editor")));
      // With its preview link made and shown.
      await page.getByText("Preview link", { exact: true }).click();
      await page.getByRole("button", { name: "Make a preview link" }).click();
      await visible(page.getByLabel("Preview link", { exact: true }), "the preview link");
      violations.push(...(await audit(page, "editor, preview link")));
    });

    await step("profile, with an avatar and a website, and the author page that shows them", async () => {
      const { user } = await server.apiOk("GET", "/api/v1/me");
      const { media } = await server.apiOk("GET", "/api/v1/media");
      const square = media.find((medium) => medium.file_name === "square.png");
      await server.apiOk("PATCH", `/api/v1/users/${user.id}`, { avatar: square.id, website: "https://owner.example.org/" });
      await page.getByRole("link", { name: /· owner$/ }).click();
      await visible(h1("Your profile"), "the profile heading");
      await visible(page.locator(".avatar-thumb img"), "the avatar's thumbnail");
      violations.push(...(await audit(page, "profile")));
      await page.goto(`${server.base}/author/${user.slug}/`);
      await visible(page.locator("img.avatar"), "the avatar on the author page");
      violations.push(...(await audit(page, "author page")));
      await page.goto(`${server.base}/admin/#/profile`);
      await visible(h1("Your profile"), "the profile heading again");
    });

    await step("media library with details open", async () => {
      await openSection(page, "Media");
      await page.getByRole("button", { name: /^Details for / }).first().click();
      const dialog = page.getByRole("dialog");
      await visible(dialog, "the details dialog");
      await page.waitForFunction(() => [...document.querySelectorAll("dialog img")].every((img) => img.complete));
      violations.push(...(await audit(page, "media details")));
      await dialog.getByRole("button", { name: "Close" }).click();
      await page.getByRole("dialog").waitFor({ state: "detached" });
      violations.push(...(await audit(page, "media library")));
    });

    await step("people", async () => {
      await openSection(page, "People");
      await visible(page.getByText("Ada Author"), "a person in the list");
      violations.push(...(await audit(page, "people")));
    });

    await step("tags, with a tag's dialog open", async () => {
      await openSection(page, "Tags");
      const edit = page.getByRole("button", { name: /^Edit the tag / }).first();
      await visible(edit, "a tag in the list");
      violations.push(...(await audit(page, "tags")));
      await edit.click();
      await visible(page.getByRole("dialog"), "the tag's dialog");
      violations.push(...(await audit(page, "tags, editing")));
      await page.getByRole("dialog").getByRole("button", { name: "Close" }).click();
      await page.getByRole("dialog").waitFor({ state: "detached" });
    });

    await step("API tokens", async () => {
      await openSection(page, "API tokens");
      await visible(page.getByText("Deploy script"), "a token in the list");
      violations.push(...(await audit(page, "API tokens")));
    });

    await step("redirects", async () => {
      await server.apiOk("POST", "/api/v1/redirects", { from: "/2019/old-permalink/", post_id: post.id }, { expected: 201 });
      await openSection(page, "Redirects");
      await visible(page.getByText("/2019/old-permalink/"), "a redirect in the list");
      violations.push(...(await audit(page, "redirects")));
      // With the post choice shown and a refusal on screen, too.
      await page.getByRole("radio", { name: "A post or page" }).check();
      await page.getByRole("button", { name: "Add redirect" }).click();
      await visible(page.getByRole("alert"), "the form's message");
      violations.push(...(await audit(page, "redirects, adding")));
    });

    await step("settings", async () => {
      await openSection(page, "Settings");
      await visible(h1("Settings"), "the Settings heading");
      violations.push(...(await audit(page, "settings")));
    });

    await step("system status", async () => {
      await openSection(page, "System status");
      await hasText(page.getByRole("region", { name: "posts", exact: true }), /\bup\b/i, "the posts card");
      violations.push(...(await audit(page, "system status")));
    });

    await step("import", async () => {
      await openSection(page, "Import and export");
      violations.push(...(await audit(page, "import")));
      // With a check's report on screen (a dry run: nothing is written).
      await page.getByLabel("Export file").setInputFiles(join(REPO, "src/import/tests/fixtures/wordpress-6.wxr"));
      await page.getByLabel("Check only (dry run)").check();
      await page.getByRole("button", { name: "Check", exact: true }).click();
      await visible(page.getByRole("heading", { name: "Check report", level: 2 }), "the check's report");
      violations.push(...(await audit(page, "import, report")));
    });
  }, server);

  for (const v of violations.filter((v) => !FAILING.has(v.impact))) t.diagnostic(describe(v));
  const failing = violations.filter((v) => FAILING.has(v.impact));
  assert.equal(failing.length, 0, `serious or critical accessibility violations:\n${failing.map(describe).join("\n")}`);
});
