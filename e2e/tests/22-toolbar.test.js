// The editor's toolbar: formatting by button and shortcut (undoable), an image pasted into the text
// (uploaded with a progress bar, then referenced on its own line with its alt text selected), the word
// count, distraction-free mode, and a preview styled as the public page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OWNER, eventually } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, hasText, shot, steps } from "../lib/browser.js";
import { png } from "../lib/png.js";

const env = folioAndBrowser();

test("the toolbar formats, a pasted image is uploaded and inserted, and focus mode hides the rest", { timeout: 120_000 }, async () => {
  const { server, browser } = env;
  const page = await newPage(browser);
  const markdown = page.getByLabel("Markdown", { exact: true });
  const toolbar = page.getByRole("toolbar", { name: "Formatting" });
  const value = () => markdown.inputValue();
  /** Selects `text` (its first occurrence) in the textarea. */
  const select = (text) =>
    markdown.evaluate((el, text) => {
      const at = el.value.indexOf(text);
      el.focus();
      el.setSelectionRange(at, at + text.length);
    }, text);
  const selected = () => markdown.evaluate((el) => el.value.slice(el.selectionStart, el.selectionEnd));

  await steps(() => page, "toolbar", async (step) => {
    await step("sign in and start a post", async () => {
      await signIn(page, server.base, OWNER.email, OWNER.password);
      await page.getByRole("link", { name: "New post" }).click();
      await page.getByLabel("Title", { exact: true }).fill("Toolbar at work");
      await markdown.fill("Harbour lights at dusk");
    });

    await step("the tools have names and say their shortcuts", async () => {
      for (const name of ["Bold", "Italic", "Link", "Heading", "Bulleted list", "Quote", "Code", "Insert image"]) {
        await visible(toolbar.getByRole("button", { name, exact: true }), `the ${name} button`);
      }
      assert.match(await toolbar.getByRole("button", { name: "Bold", exact: true }).getAttribute("aria-keyshortcuts"), /^(Control|Meta)\+B$/);
      assert.match(await toolbar.getByRole("button", { name: "Link", exact: true }).getAttribute("aria-keyshortcuts"), /^(Control|Meta)\+K$/);
    });

    await step("Bold wraps the selection, keeps it selected, and Ctrl+Z takes it back", async () => {
      await select("lights");
      await toolbar.getByRole("button", { name: "Bold", exact: true }).click();
      assert.equal(await value(), "Harbour **lights** at dusk");
      assert.equal(await selected(), "lights");
      await page.keyboard.press("Control+Z");
      assert.equal(await value(), "Harbour lights at dusk", "the browser's undo knows the change");
    });

    await step("Ctrl+B and Ctrl+I do the same from the keyboard; pressed again, they unwrap", async () => {
      await select("Harbour");
      await page.keyboard.press("Control+B");
      assert.equal(await value(), "**Harbour** lights at dusk");
      await page.keyboard.press("Control+B");
      assert.equal(await value(), "Harbour lights at dusk");
      await select("dusk");
      await page.keyboard.press("Control+I");
      assert.equal(await value(), "Harbour lights at _dusk_");
    });

    await step("List and Heading prefix the lines (and take it back); Link selects the address to type", async () => {
      await markdown.fill("Boats\nNets");
      await select("Boats\nNets");
      const list = toolbar.getByRole("button", { name: "Bulleted list", exact: true });
      await list.click();
      assert.equal(await value(), "- Boats\n- Nets");
      assert.equal(await selected(), "- Boats\n- Nets", "the lines stay selected");
      await list.click();
      assert.equal(await value(), "Boats\nNets");
      await select("Boats");
      await toolbar.getByRole("button", { name: "Heading", exact: true }).click();
      assert.equal(await value(), "## Boats\nNets");
      await select("Nets");
      await page.keyboard.press("Control+K");
      assert.equal(await value(), "## Boats\n[Nets](https://)");
      assert.equal(await selected(), "https://");
      await page.keyboard.type("https://example.org/nets");
      assert.equal(await value(), "## Boats\n[Nets](https://example.org/nets)");
    });

    await step("the word count and reading time follow the text", async () => {
      const count = page.locator(".md-count");
      await hasText(count, /^3 words · 1 min read$/, "the count");
      await markdown.fill(Array.from({ length: 461 }, (_, i) => `word${i}`).join(" "));
      await hasText(count, /^461 words · 3 min read$/, "the count of a longer text");
      await markdown.fill("First paragraph.\nSecond line");
    });

    // About 2 MB of noise sent at 1 MB/s: the bar is on screen long enough to be seen.
    const name = "harbour-at_dusk.png";
    const cdp = await page.context().newCDPSession(page);
    await step("an image pasted at the cursor uploads with a progress bar", async () => {
      await cdp.send("Network.enable");
      await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 1024 * 1024 });
      const bytes = png(800, 800, { noisy: true }).toString("base64");
      await markdown.evaluate((el, { bytes, name }) => {
        const at = el.value.indexOf("\nSecond");
        el.focus();
        el.setSelectionRange(at, at);
        const data = Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([data], name, { type: "image/png" }));
        el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true }));
      }, { bytes, name });
      await visible(page.getByRole("progressbar", { name: `Uploading ${name}` }), "the upload's progress bar", 10_000);
      assert.match(await value(), /^First paragraph\.\n\n\[Uploading harbour-at_dusk\.png \(1\)…\]\n\nSecond line$/, "a marker holds the place");
      await shot(page, "editor-paste-uploading");
    });

    await step("then the reference replaces the marker, on its own line, with its alt text selected", async () => {
      await eventually(async () => /media:/.test(await value()), { what: "the media reference", timeout: 60_000 });
      await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      assert.match(await value(), /^First paragraph\.\n\n!\[harbour at dusk\]\(media:[0-9a-f-]{36}\)\n\nSecond line$/);
      assert.equal(await selected(), "harbour at dusk", "the alt text is selected, to be typed over");
      await page.keyboard.type("Lights on the water");
      assert.match(await value(), /!\[Lights on the water\]\(media:/);
      assert.equal(await page.getByRole("progressbar", { name: `Uploading ${name}` }).count(), 0, "the bar is gone");
      await visible(page.getByRole("region", { name: "Preview" }).locator("img[alt='Lights on the water']"), "the image in the preview");
    });

    await step("the preview aligns table columns as the Markdown says and styles a missing image like the page", async () => {
      await markdown.fill("| Left | Centre | Right |\n|:-----|:------:|------:|\n| a | b | c |\n\n![Gone picture](media:0190f0aa-0000-7000-8000-00000000dead)\n");
      const preview = page.getByRole("region", { name: "Preview" });
      const cells = preview.locator("td");
      await eventually(async () => (await cells.count()) === 3, { what: "the table in the preview" });
      const aligns = await cells.evaluateAll((tds) => tds.map((td) => getComputedStyle(td).textAlign));
      assert.deepEqual(aligns, ["left", "center", "right"]);
      const missing = preview.locator(".media-missing");
      await visible(missing, "the placeholder for a missing image");
      assert.equal(await missing.evaluate((el) => getComputedStyle(el).borderTopStyle), "dashed");
      await shot(page, "editor-toolbar");
    });

    await step("Focus hides the header, the settings and the preview; Esc brings them back", async () => {
      const focus = page.getByRole("button", { name: /^Focus mode/ });
      await focus.click();
      assert.equal(await focus.getAttribute("aria-pressed"), "true");
      await page.getByRole("navigation", { name: "Admin sections" }).waitFor({ state: "hidden" });
      assert.ok(await page.getByRole("region", { name: "Preview" }).isHidden(), "the preview is hidden");
      assert.ok(await page.getByLabel("Slug", { exact: true }).isHidden(), "the settings are hidden");
      assert.ok(await markdown.isVisible(), "the text stays");
      await visible(page.getByRole("button", { name: "Publish", exact: true }), "the Publish button stays in reach");
      await shot(page, "editor-focus-mode");
      await markdown.focus();
      await page.keyboard.press("Escape");
      await visible(page.getByRole("navigation", { name: "Admin sections" }), "the header after Esc");
      await visible(page.getByRole("region", { name: "Preview" }), "the preview after Esc");
      assert.equal(await focus.getAttribute("aria-pressed"), "false");
    });
  }, server);
});
