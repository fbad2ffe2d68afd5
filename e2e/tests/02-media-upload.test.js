// The media library: an upload shows its progress bar while it runs, then the new thumbnail in the grid.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OWNER } from "../lib/folio.js";
import { folioAndBrowser, newPage, signIn, visible, steps, openSection } from "../lib/browser.js";
import { png } from "../lib/png.js";

const env = folioAndBrowser();

test("uploading in the media library shows a progress bar, then the thumbnail", { timeout: 120_000 }, async (t) => {
  const { server, browser } = env;
  const page = await newPage(browser);
  await steps(() => page, "media-upload", async (step) => {
    await step("sign in and open Media", async () => {
      await signIn(page, server.base, OWNER.email, OWNER.password);
      await openSection(page, "Media");
    });

    // About 8 MB of noise, sent at 4 MB/s: the bar has a couple of seconds on screen before the server even starts on it.
    const name = "noise-2000x1400.png";
    const cdp = await page.context().newCDPSession(page);
    await step("throttle the upload", async () => {
      await cdp.send("Network.enable");
      await cdp.send("Network.emulateNetworkConditions", {
        offline: false,
        latency: 20,
        downloadThroughput: -1,
        uploadThroughput: 4 * 1024 * 1024,
      });
    });

    await step("choose the file in the Upload images input", () =>
      page.getByLabel("Upload images").setInputFiles({ name, mimeType: "image/png", buffer: png(2000, 1400, { noisy: true }) }),
    );

    await step("a progress bar for the upload is visible, and moves", async () => {
      const bar = page.getByRole("progressbar", { name: `Uploading ${name}` });
      await visible(bar, `a progress bar named "Uploading ${name}"`, 10_000);
      // Sample it while the bytes go out: somewhere between empty and full shows it tracks the upload.
      const seen = new Set();
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        // evaluateAll does not wait: an empty answer means the bar is gone.
        const [fraction] = await bar.evaluateAll((els) =>
          els.map((el) => {
            const max = Number(el.max ?? el.getAttribute("aria-valuemax") ?? 1) || 1;
            const value = el.value ?? Number(el.getAttribute("aria-valuenow"));
            return value / max;
          }),
        );
        if (fraction === undefined) break;
        seen.add(Math.round(fraction * 100));
        if (fraction >= 1) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const between = [...seen].filter((p) => p > 0 && p < 100);
      assert.ok(between.length > 0, `expected the bar to pass through values between 0 and 100 %, saw ${[...seen].join(", ")} %`);
      t.diagnostic(`progress seen: ${[...seen].sort((a, b) => a - b).join(", ")} %`);
    });

    await step("then the thumbnail appears in the grid", async () => {
      const details = page.getByRole("button", { name: `Details for ${name}` });
      await visible(details, `the "Details for ${name}" thumbnail button`, 60_000);
      const img = details.locator("img");
      await visible(img, "the thumbnail image");
      const src = await img.getAttribute("src");
      assert.match(src || "", /^\/media\//, "the thumbnail is served from /media/");
      await img.evaluate((el) => (el.complete ? null : new Promise((r) => el.addEventListener("load", r, { once: true }))));
      assert.ok(await img.evaluate((el) => el.naturalWidth > 0), "the thumbnail loaded");
    });

    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  }, server);
});
