// The owner writes a post with a table, code and an uploaded image in the editor, publishes it, and reads it on the public site.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OWNER, eventually } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, hasText, steps } from "../lib/browser.js";
import { png } from "../lib/png.js";

const env = folioAndBrowser();

const TITLE = "Tables, code and a picture";
const MARKDOWN = [
  "A post that shows what the editor can do.",
  "",
  "| Fruit | Colour |",
  "|-------|--------|",
  "| Apple | Red    |",
  "| Lime  | Green  |",
  "",
  "```rust",
  'fn main() {\n    println!("hello, Folio");\n}',
  "```",
  "",
  "",
].join("\n");

test("the owner publishes a post with a table, highlighted code and a responsive image", { timeout: 120_000 }, async () => {
  const { server, browser } = env;
  const page = await newPage(browser);
  await steps(() => page, "publish", async (step) => {
    await step("sign in", () => signIn(page, server.base, OWNER.email, OWNER.password));

    await step("open a new post from the posts list", async () => {
      await visible(page.getByRole("heading", { name: "Posts", level: 1 }), "the Posts heading");
      await page.getByRole("link", { name: "New post" }).click();
      await visible(page.getByRole("heading", { name: "New post", level: 1 }), "the New post heading");
    });

    const markdown = page.getByLabel("Markdown", { exact: true });
    await step("write the title and the Markdown", async () => {
      await page.getByLabel("Title", { exact: true }).fill(TITLE);
      await markdown.fill(MARKDOWN);
    });

    await step("insert an uploaded image through the picker", async () => {
      await markdown.press("Control+End");
      await page.getByRole("button", { name: "Insert image" }).click();
      const dialog = page.getByRole("dialog");
      await visible(dialog, "the image picker dialog");
      await dialog.getByLabel("Upload images").setInputFiles({
        name: "gradient.png",
        mimeType: "image/png",
        buffer: png(1100, 700),
      });
      const choose = dialog.getByRole("button", { name: /^Choose\b.*gradient/i });
      await visible(choose, 'the "Choose gradient.png" button for the new image', 60_000);
      await choose.click();
      // Then its words: alt text (and a caption), saved on the picture itself.
      const describe = page.getByRole("dialog", { name: /^Describe gradient/ });
      await visible(describe, "the dialog asking for the picture's words");
      await describe.getByLabel("Alt text").fill("A gradient from dark to light");
      await describe.getByLabel("Caption").fill("Made for this test");
      await describe.getByRole("button", { name: "Insert" }).click();
      await page.getByRole("dialog").waitFor({ state: "detached" });
      await eventually(async () => /\n\n!\[A gradient from dark to light\]\(media:[0-9a-f-]{36}\)\n/.test(await markdown.inputValue()), {
        what: "a ![A gradient from dark to light](media:ID) reference on its own line in the Markdown",
      });
    });

    await step("the preview shows the table", async () => {
      const preview = page.getByRole("region", { name: "Preview" });
      await visible(preview.locator("table"), "a table in the preview");
    });

    await step('press "Publish"', async () => {
      await page.getByRole("button", { name: "Publish", exact: true }).click();
      await visible(page.getByRole("link", { name: "View post" }), 'the "View post" link after publishing');
    });

    const post = await step("the API has it published", () =>
      eventually(
        async () => {
          const { body } = await server.api("GET", `/api/v1/posts?q=${encodeURIComponent("Tables")}`);
          return body.posts.find((p) => p.title === TITLE && p.status === "published");
        },
        { what: "the post, published, in GET /api/v1/posts" },
      ),
    );

    await step("open the public page", async () => {
      const response = await page.goto(`${server.base}/${post.slug}/`);
      assert.equal(response.status(), 200);
      await visible(page.getByRole("heading", { name: TITLE, level: 1 }), "the post's title on the public page");
    });

    await step("the public page has the table", async () => {
      const table = page.locator("article table");
      await visible(table, "a <table> in the post");
      await hasText(table, /Apple[\s\S]*Red[\s\S]*Lime[\s\S]*Green/, "the table");
    });

    await step("the public page has highlighted code", async () => {
      const pre = page.locator("article pre");
      await hasText(pre, /println!\("hello, Folio"\)/, "the code block");
      // Highlighting means coloured spans: at least two different colours among the code's tokens.
      const colours = await pre.locator("span").evaluateAll((spans) => [...new Set(spans.map((s) => getComputedStyle(s).color))]);
      assert.ok(colours.length >= 2, `expected highlighted tokens in several colours, got ${JSON.stringify(colours)}`);
    });

    await step("the public page has a responsive image", async () => {
      const img = page.locator("article img");
      await visible(img, "an <img> in the post");
      const srcset = (await img.first().getAttribute("srcset")) || "";
      const candidates = srcset.split(",").map((s) => s.trim()).filter(Boolean);
      assert.ok(candidates.length >= 2, `expected several srcset candidates, got ${JSON.stringify(srcset)}`);
      for (const candidate of candidates) {
        assert.match(candidate, /^\/media\/\S+ \d+w$/, `srcset candidate ${candidate}`);
      }
      // The browser actually loaded one of them.
      await eventually(() => img.first().evaluate((el) => el.complete && el.naturalWidth > 0), {
        what: "the image to load",
      });
    });
  }, server);
});
