// The picker the post editor opens for "Insert link": finds posts and pages by their words, through search.
import { api } from "./api.js";
import { h, field } from "./ui.js";

let uid = 0;

/**
 * Opens a modal to find a post or page by its words. Resolves to the chosen
 * search hit ({ title, slug, status, … }), or null when the person cancels or
 * presses Escape.
 */
export function pickPost({ title = "Link to a post or page" } = {}) {
  return new Promise((resolve) => {
    let chosen = null;
    let sequence = 0;
    let timer = null;
    const headingId = `link-picker-${++uid}`;
    const words = h("input", { type: "search", autocomplete: "off", placeholder: "Words in its title or text" });
    const feedback = h("p", { class: "muted link-picker-feedback", role: "status" }, "Type to find a post or page.");
    const results = h("ul", { class: "link-picker-results" });

    async function find() {
      const mine = ++sequence;
      const typed = words.value.trim();
      if (!typed) {
        results.replaceChildren();
        feedback.textContent = "Type to find a post or page.";
        return;
      }
      try {
        const query = new URLSearchParams({ q: typed, prefix: "true", per_page: "10" });
        const found = await api("GET", `/api/v1/search?${query}`);
        if (mine !== sequence) return;
        feedback.textContent = found.total === 0
          ? "Nothing matches; try other words."
          : `${found.total.toLocaleString("en")} found${found.total > found.hits.length ? `; the best ${found.hits.length} are listed` : ""}.`;
        results.replaceChildren(...found.hits.map((hit) => h(
          "li",
          {},
          h(
            "button",
            { type: "button", class: "link-picker-hit", onclick: () => { chosen = hit; dialog.close(); } },
            h("span", { class: "link-picker-title" }, hit.title || "(untitled)"),
            h("span", { class: "muted" }, ` /${hit.slug}/${hit.status === "published" ? "" : ` · ${hit.status}`}`),
          ),
        )));
      } catch (error) {
        if (mine !== sequence) return;
        feedback.textContent = error.message;
        results.replaceChildren();
      }
    }

    words.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(find, 200);
    });
    // Enter takes the best match, as a search box's Enter does.
    words.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      const first = results.querySelector("button");
      if (first) first.click();
    });

    const dialog = h(
      "dialog",
      { class: "link-picker", "aria-labelledby": headingId },
      h(
        "div",
        { class: "spread picker-head" },
        h("h2", { id: headingId }, title),
        h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, "Cancel"),
      ),
      field("Find a post or page", words),
      feedback,
      results,
    );
    dialog.addEventListener("close", () => {
      clearTimeout(timer);
      dialog.remove();
      resolve(chosen);
    });
    document.body.append(dialog);
    dialog.showModal();
    words.focus();
  });
}
