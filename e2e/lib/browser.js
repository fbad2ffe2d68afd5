// Headless Chromium for the tests: launching it, signing in, screenshots at two widths, and waiting for what a person sees.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { before, after } from "node:test";
import { REPO, start } from "./folio.js";

export const SCREENSHOTS = process.env.E2E_SCREENSHOTS || join(REPO, "target/e2e-screenshots");
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** Debian's Chromium (or $CHROMIUM): Playwright's own browser builds cannot be downloaded here. */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    // CI runs as root, where Chromium refuses its sandbox; /dev/shm may be small in containers.
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

/** Every page `newPage` opened, so `steps` can check them all: a test may use several tabs. */
const opened = new Set();

/**
 * A fresh context (its own cookies) and page at desktop size; `contextOptions` go to Playwright's
 * newContext (e.g. `{ bypassCSP: true }` to inject a script). What the UI complained about is kept in
 * `page.problems` (for the report of a failing test); console errors, uncaught exceptions and
 * Content-Security-Policy refusals are also kept in `page.errors`, and each of those fails the step of
 * `steps()` during which it happened: a screen that works only with errors in the console is broken.
 */
export async function newPage(browser, { context, contextOptions = {} } = {}) {
  const ctx = context || (await browser.newContext({ viewport: DESKTOP, ...contextOptions }));
  ctx.setDefaultTimeout(15_000);
  const page = await ctx.newPage();
  page.problems = [];
  page.errors = [];
  page.errorsReported = 0;
  const error = (text) => {
    page.problems.push(text);
    page.errors.push(`${text} (at ${page.url()})`);
  };
  // Chromium logs most refusals to the console too, but not all (a refused report-only directive, a
  // blocked frame): the page's own event names each one.
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      console.error(
        `CSP refused ${event.blockedURI || "an inline resource"} (${event.effectiveDirective}) in ${event.sourceFile || "the page"}:${event.lineNumber}`,
      );
    });
  });
  page.on("pageerror", (e) => error(`uncaught: ${e.message}`));
  page.on("console", (message) => {
    // Failed loads are reported below with their address, which the console line lacks.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      error(`console: ${message.text()}`);
    }
  });
  page.on("response", (response) => {
    const url = new URL(response.url());
    // Asking who is signed in before signing in is the shell's normal start, and no page has a favicon.
    const expected = (response.status() === 401 && url.pathname === "/api/v1/me") || url.pathname === "/favicon.ico";
    if (response.status() >= 400 && !expected) {
      page.problems.push(`HTTP ${response.status()} ${response.request().method()} ${url.pathname}${url.search}`);
    }
  });
  opened.add(page);
  page.on("close", () => opened.delete(page));
  return page;
}

/** Console errors, uncaught exceptions and CSP refusals on any open page since the last call. */
export function newPageErrors() {
  const errors = [];
  for (const page of opened) {
    errors.push(...page.errors.slice(page.errorsReported));
    page.errorsReported = page.errors.length;
  }
  return errors;
}

/** Signs in through the admin's own form, then waits for the signed-in shell (its top bar and navigation). */
export async function signIn(page, base, email, password) {
  await page.goto(base + "/admin/");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  // The top bar, not its navigation: on a phone the sections fold behind the Menu button.
  await page.locator("#topbar").waitFor({ state: "visible" });
  await page.locator("#nav a").first().waitFor({ state: "attached" });
}

/**
 * Saves NAME-desktop.png (1280×800) and NAME-phone.png (390×844): exactly what a person sees at that size.
 * Also NAME-desktop-full.png and NAME-phone-full.png, taken in a window as tall as the page, so the
 * whole screen can be reviewed (a full-page capture of the short window would paint sticky bars mid-page).
 */
export async function shot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const before = page.viewportSize() || DESKTOP;
  const paths = [];
  for (const [suffix, size] of [["desktop", DESKTOP], ["phone", PHONE]]) {
    await page.setViewportSize(size);
    await settle(page);
    const path = join(SCREENSHOTS, `${name}-${suffix}.png`);
    await page.screenshot({ path });
    paths.push(path);
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: size.width, height: Math.min(Math.max(height, size.height), 8000) });
    await settle(page);
    const full = join(SCREENSHOTS, `${name}-${suffix}-full.png`);
    await page.screenshot({ path: full });
    paths.push(full);
  }
  await page.setViewportSize(before);
  await page.evaluate(() => window.scrollTo(0, 0));
  return paths;
}

async function settle(page) {
  await page.evaluate(() => window.scrollTo(0, 0));
  // Every image should show in the picture, below the fold too, so lazy ones load now.
  await page.evaluate(() =>
    Promise.all(
      [...document.images].map((img) => {
        img.loading = "eager";
        return img.complete
          ? null
          : new Promise((r) => {
              img.addEventListener("load", r, { once: true });
              img.addEventListener("error", r, { once: true });
              setTimeout(r, 3000);
            });
      }),
    ),
  );
  // Let layout and transitions settle at the new size.
  await page.waitForTimeout(250);
}

/** A screenshot for a failing step, so the report can show what the page looked like. */
export async function failureShot(page, name) {
  try {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const path = join(SCREENSHOTS, `FAILED-${name}.png`);
    await page.screenshot({ path, fullPage: true });
    return path;
  } catch {
    return null;
  }
}

/** Waits until `locator` is visible; the error says what was missing. */
export async function visible(locator, what, timeout = 15_000) {
  try {
    await locator.first().waitFor({ state: "visible", timeout });
  } catch (error) {
    throw new Error(`expected to see ${what || locator}: ${error.message.split("\n")[0]}`);
  }
  return locator.first();
}

/** Follows the admin navigation to `section` and waits for that screen's heading. */
export async function openSection(page, section) {
  await page.getByRole("navigation", { name: "Admin sections" }).getByRole("link", { name: section }).click();
  await visible(page.getByRole("heading", { name: section, level: 1 }), `the ${section} heading`);
}

/** From the posts list, opens the post `lib/seed.js` made and waits for its preview's table and image. */
export async function openSeededPost(page, title) {
  await page.getByRole("link", { name: title }).click();
  await visible(page.getByRole("heading", { name: "Edit post", level: 1 }), "the Edit post heading");
  const preview = page.getByRole("region", { name: "Preview" });
  await visible(preview.locator("table"), "the table in the preview");
  await visible(preview.locator("img"), "the image in the preview");
}

/** Waits until `locator` has a visible text matching `pattern`; resolves to that text. */
export async function hasText(locator, pattern, what, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  let last = "(nothing)";
  for (;;) {
    try {
      if ((await locator.count()) > 0 && (await locator.first().isVisible())) {
        last = await locator.first().innerText();
        if (pattern.test(last)) return last;
      }
    } catch {
      // detached mid-read by a re-render: try again
    }
    if (Date.now() > deadline) {
      throw new Error(`expected ${what || locator} to show ${pattern}; it showed ${JSON.stringify(last.slice(0, 400))}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Runs `body(step)` where `step(label, fn)` names each step: a step fails when it throws or when a
 * page reported a console error, an uncaught exception or a CSP refusal while it ran. On failure the
 * error names the step, a screenshot of `page` is saved, and the page's problems and the server's warnings are added,
 * so the report can say where it broke and what was shown.
 */
export async function steps(page, name, body, server) {
  let current = "start";
  const clean = () => {
    const errors = newPageErrors();
    if (errors.length) throw new Error(`the page reported errors:\n  ${errors.join("\n  ")}`);
  };
  const step = async (label, fn) => {
    current = label;
    const result = await fn();
    clean();
    return result;
  };
  try {
    newPageErrors(); // an earlier test's leftovers are that test's
    await body(step);
    current = "after the last step";
    clean();
  } catch (error) {
    const path = await failureShot(page(), name);
    const problems = page().problems && page().problems.length ? `\npage problems:\n  ${page().problems.join("\n  ")}` : "";
    const warnings = server ? server.logs().split("\n").filter((l) => /\b(WARN|ERROR)\b/.test(l)).slice(-15) : [];
    const log = warnings.length ? `\nserver warnings:\n  ${warnings.join("\n  ")}` : "";
    error.message = `step "${current}" failed: ${error.message}${path ? `\nscreenshot: ${path}` : ""}${problems}${log}`;
    throw error;
  }
}

/**
 * One server and one browser for a test file, started before its tests and
 * stopped after them: `const env = folioAndBrowser(); … const { server, browser } = env;`.
 */
export function folioAndBrowser(options) {
  const env = { server: null, browser: null };
  before(async () => {
    env.server = await start(options);
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}
