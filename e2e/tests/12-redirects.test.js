// Redirects (issue 14, part 4): a published post's slug changed in the editor leaves its old address answering 301;
// on the Redirects screen the owner adds a redirect to a post, follows it on the public site, is told why a
// redirect from a live post's address is refused, and removes the redirect again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OWNER, eventually } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, hasText, openSection, shot, steps } from "../lib/browser.js";

const env = folioAndBrowser();

const TITLE = "Moving day";

/** Visits `path` as a reader; resolves to the final response and the statuses of the redirects on the way. */
async function follow(page, base, path) {
  const response = await page.goto(base + path);
  const hops = [];
  for (let request = response.request().redirectedFrom(); request; request = request.redirectedFrom()) {
    hops.unshift((await request.response()).status());
  }
  return { response, hops };
}

test("a changed slug and a redirect added on the Redirects screen both lead readers to the post", { timeout: 120_000 }, async () => {
  const { server, browser } = env;
  const post = await server.apiOk(
    "POST",
    "/api/v1/posts",
    { title: TITLE, slug: "moving-day", markdown: "We moved.", status: "published" },
    { expected: 201 },
  );
  const page = await newPage(browser);

  await steps(() => page, "redirects", async (step) => {
    await step("sign in as the owner", () => signIn(page, server.base, OWNER.email, OWNER.password));

    await step("change the published post's slug in the editor", async () => {
      await page.getByRole("link", { name: TITLE }).click();
      await visible(page.getByRole("heading", { name: "Edit post", level: 1 }), "the Edit post heading");
      await page.getByLabel("Slug", { exact: true }).fill("we-have-moved");
      // A live post's save is its Update.
      await page.getByRole("button", { name: "Update", exact: true }).click();
      await eventually(async () => (await server.apiOk("GET", `/api/v1/posts/${post.id}`)).slug === "we-have-moved", {
        what: "the new slug saved",
      });
    });

    await step("the old address answers 301 to the new one", async () => {
      const { response, hops } = await follow(page, server.base, "/moving-day/");
      assert.deepEqual(hops, [301]);
      assert.equal(response.status(), 200);
      assert.equal(new URL(page.url()).pathname, "/we-have-moved/");
      await visible(page.getByRole("heading", { name: TITLE, level: 1 }), "the post at its new address");
    });

    await step("the Redirects screen lists the slug change", async () => {
      await page.goto(server.base + "/admin/");
      await openSection(page, "Redirects");
      const row = page.getByRole("row", { name: /\/moving-day\// });
      await visible(row, "the redirect left by the slug change");
      await hasText(row, /Slug change/, "the row's reason");
      await hasText(row, /\/we-have-moved\//, "where it leads");
    });

    await step("a live post's address is refused with a reason", async () => {
      await page.getByLabel("Old address").fill("/we-have-moved/");
      await page.getByLabel("Address", { exact: true }).fill("/elsewhere/");
      await page.getByRole("button", { name: "Add redirect" }).click();
      await hasText(page.getByRole("alert"), /published post's address/, "the refusal");
    });

    await step("add a redirect from an old permalink to the post", async () => {
      await page.getByLabel("Old address").fill("/2019/03/04/hello-world");
      await page.getByRole("radio", { name: "A post or page" }).check();
      await page.getByLabel("Which post or page").selectOption({ label: `${TITLE} (/we-have-moved/)` });
      await page.getByRole("button", { name: "Add redirect" }).click();
      await hasText(page.locator("#toasts .toast"), /\/2019\/03\/04\/hello-world\/ now leads to \/we-have-moved\//, "the toast");
      await visible(page.getByRole("row", { name: /\/2019\/03\/04\/hello-world\// }), "the new redirect in the list");
      await shot(page, "redirects");
    });

    await step("the old permalink leads to the post", async () => {
      const { response, hops } = await follow(page, server.base, "/2019/03/04/hello-world/");
      assert.deepEqual(hops, [301]);
      assert.equal(response.status(), 200);
      assert.equal(new URL(page.url()).pathname, "/we-have-moved/");
    });

    await step("remove the redirect", async () => {
      await page.goto(server.base + "/admin/#/redirects");
      await visible(page.getByRole("heading", { name: "Redirects", level: 1 }), "the Redirects heading");
      await page.getByRole("button", { name: "Remove the redirect from /2019/03/04/hello-world/" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Remove", exact: true }).click();
      await hasText(page.locator("#toasts .toast"), /Removed the redirect from \/2019\/03\/04\/hello-world\//, "the toast");
      await page.getByRole("row", { name: /hello-world/ }).waitFor({ state: "detached" });
    });

    await step("the old permalink is a 404 again; the slug change still redirects", async () => {
      const gone = await follow(page, server.base, "/2019/03/04/hello-world/");
      assert.deepEqual(gone.hops, []);
      assert.equal(gone.response.status(), 404);
      const kept = await follow(page, server.base, "/moving-day/");
      assert.deepEqual(kept.hops, [301]);
      assert.equal(new URL(page.url()).pathname, "/we-have-moved/");
    });
  }, server);
});
