// A fresh installation: the one-time link from the log creates the owner in the browser, who lands in the admin UI signed in.
import { test } from "node:test";
import assert from "node:assert/strict";
import { eventually } from "../lib/folio.js";
import { folioAndBrowser, newPage, visible, hasText, shot, steps } from "../lib/browser.js";

const env = folioAndBrowser({ owner: false });

test("the one-time setup link creates the owner, who is then signed in to the admin UI", { timeout: 90_000 }, async () => {
  const { server, browser } = env;
  const link = await eventually(() => (server.logs().match(/Open (http:\/\/\S+\/setup\/\S+) to create/) || [])[1], {
    what: "the setup link in the server's log",
  });
  const page = await newPage(browser);

  await steps(() => page, "first-run", async (step) => {
    await step("the admin UI asks to sign in before any account exists", async () => {
      await page.goto(`${server.base}/admin/`);
      await visible(page.getByRole("heading", { name: "Sign in to Folio" }), "the sign-in form");
      // …and says where the way in is: the setup link in the log.
      await hasText(page.getByRole("note"), /This site has no account yet\..*setup link/s, "the hint about the setup link");
      await shot(page, "sign-in-before-setup");
    });

    await step("open the setup link, name the site and create the owner", async () => {
      await page.goto(link);
      await visible(page.getByRole("heading", { name: "Set up Folio" }), "the setup page");
      await page.getByLabel("The site's title").fill("Fiona's Field Notes");
      await page.getByLabel("One line about the site (optional)").fill("Birds, weather and bread.");
      await page.getByLabel("Your name").fill("Fiona First");
      await page.getByLabel("Email address").fill("fiona@example.com");
      await page.getByLabel(/^Password/).fill("a long enough password");
      const [created] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname.startsWith("/setup/")),
        page.getByRole("button", { name: "Create the owner's account" }).click(),
      ]);
      assert.equal(created.status(), 200, "the owner's account is created");
      await visible(page.getByRole("heading", { name: "Welcome to Folio" }), "the welcome page");
    });

    await step("the owner is signed in to the admin UI", async () => {
      await page.getByRole("link", { name: "Start writing" }).click();
      await visible(page.getByRole("heading", { name: "Posts", level: 1 }), "the Posts screen");
      await visible(page.getByText("Fiona First · owner"), "the owner's name in the top bar");
    });

    await step("the site carries the name given at setup, and Settings changes it at once", async () => {
      const home = await fetch(`${server.base}/`).then((r) => r.text());
      assert.match(home, /<title>Fiona&#x27;s Field Notes<\/title>|<title>Fiona's Field Notes<\/title>/);
      assert.match(home, /Birds, weather and bread\./);
      await page.getByRole("link", { name: "Settings", exact: true }).click();
      await visible(page.getByRole("heading", { name: "Settings", level: 1 }), "the Settings screen");
      assert.equal(await page.getByLabel("Title", { exact: true }).inputValue(), "Fiona's Field Notes");
      await shot(page, "settings");
      await page.getByLabel("Title", { exact: true }).fill("Field Notes");
      await page.getByRole("button", { name: "Save settings" }).click();
      await hasText(page.getByRole("status").filter({ hasText: "Settings saved" }), /Settings saved/, "the saved notice");
      const renamed = await fetch(`${server.base}/`).then((r) => r.text());
      assert.match(renamed, /<title>Field Notes<\/title>/);
      const feed = await fetch(`${server.base}/feed.xml`).then((r) => r.text());
      assert.match(feed, /<title>Field Notes<\/title>/);
    });

    await step("signed out, then a wrong password: the newer message replaces the older", async () => {
      await page.getByRole("button", { name: "Sign out" }).click();
      await visible(page.getByText("You are signed out."), "the signed-out notice");
      await page.getByLabel("Email", { exact: true }).fill("fiona@example.com");
      await page.getByLabel("Password", { exact: true }).fill("not the password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await visible(page.getByText("That email and password don't match an account."), "the refusal");
      assert.equal(await page.getByText("You are signed out.").count(), 0, "the older message is gone");
      assert.equal(await page.getByRole("note").count(), 0, "no setup hint once an account exists");
    });

    await step("the link works once", async () => {
      const again = await page.goto(link);
      assert.equal(again.status(), 404, "a used setup link is refused, not an error");
      await visible(page.getByRole("heading", { name: "This setup link no longer works" }), "the used-link page");
    });
  }, server);
});
