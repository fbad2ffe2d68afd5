// Pictures with words: alt text and a caption fixed in Media reach the post at once; deleting a used picture names the posts first and leaves a named placeholder.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OWNER, eventually } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, hasText, openSection, shot, steps } from "../lib/browser.js";
import { png } from "../lib/png.js";

const env = folioAndBrowser();

test("alt text fixed in Media reaches the post, and a used picture is deleted only after a warning", { timeout: 120_000 }, async () => {
  const { server, browser } = env;
  const medium = await server.uploadMedium(png(800, 500), "harbour.png", "Old words");
  await server.apiOk("POST", "/api/v1/posts", { title: "Harbour at dawn", markdown: `The boats went out early.\n\n![Boats at dawn](media:${medium.id})\n`, status: "published" }, { expected: 201 });
  const page = await newPage(browser);
  const reader = await newPage(browser);
  let current = page;

  await steps(() => current, "images", async (step) => {
    await step("Media says where the picture shows", async () => {
      await signIn(page, server.base, OWNER.email, OWNER.password);
      await openSection(page, "Media");
      await hasText(page.locator(".media-card").first(), /Used in 1 post/, "the card's use count");
      await page.getByRole("button", { name: /^Details for / }).first().click();
      const details = page.getByRole("dialog");
      await visible(details.getByRole("link", { name: "Harbour at dawn" }), "the post that shows it");
      await details.getByLabel("Alt text").fill("Fishing boats leaving the harbour at dawn");
      await details.getByLabel("Caption").fill("From the quay, at six");
      await details.getByRole("button", { name: "Save details" }).click();
      await hasText(details.getByText("Saved."), /Saved/, "the saved notice");
      await shot(page, "media-used-in");
    });

    await step("the post shows the new words at once", async () => {
      current = reader;
      await reader.goto(`${server.base}/harbour-at-dawn/`);
      const picture = reader.getByRole("img", { name: "Fishing boats leaving the harbour at dawn" });
      await visible(picture, "the picture with its new alt text");
      await hasText(reader.locator("figure figcaption"), /From the quay, at six/, "the caption under it");
      current = page;
    });

    await step("deleting it names the post first", async () => {
      const details = page.getByRole("dialog");
      await details.getByRole("button", { name: "Delete" }).click();
      const confirm = page.getByRole("dialog", { name: /^Delete harbour\.png\?/ });
      await visible(confirm, "the confirmation");
      assert.match(await confirm.innerText(), /It shows in 1 post: “Harbour at dawn”/);
      await shot(page, "media-delete-warning");
      await confirm.getByRole("button", { name: "Delete" }).click();
      await hasText(page.getByRole("status").filter({ hasText: "Deleted" }), /Deleted harbour\.png/, "the deleted notice");
    });

    await step("the post shows a named placeholder", async () => {
      current = reader;
      await eventually(async () => {
        await reader.goto(`${server.base}/harbour-at-dawn/`);
        return (await reader.getByRole("img", { name: "Missing image: Boats at dawn" }).count()) === 1;
      }, { what: "the placeholder named by the post's alt text" });
      await shot(reader, "site-missing-image");
    });
  }, server);
});
