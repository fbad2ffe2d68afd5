// The tags screen (#/tags), for editors and above: every tag with its
// published posts, and for each one rename (its old address and feed then
// lead to the new ones), describe (shown on its page), merge into another
// tag, or delete (taken off every post).

import { api } from "./api.js";
import { h, toast, say, confirmDialog, field } from "./ui.js";

export async function render(main) {
  let tags = [];
  const listStatus = h("div", {});
  const tableHolder = h("div", {});
  const heading = h("h1", { tabindex: "-1" }, "Tags");

  function redraw() {
    if (tags.length === 0) {
      tableHolder.replaceChildren(h("p", { class: "muted" }, "There are no tags yet. Add some to a post in the editor."));
      return;
    }
    tableHolder.replaceChildren(
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "tokens-table stack-table", role: "table", "aria-label": "Tags" },
          h("thead", { role: "rowgroup" }, h("tr", { role: "row" }, ["Tag", "Description", "Published posts", "Actions"].map((t) => h("th", { scope: "col", role: "columnheader" }, t)))),
          h("tbody", { role: "rowgroup" }, tags.map((tag) => h(
            "tr",
            { role: "row", dataset: { slug: tag.slug } },
            h("th", { scope: "row", role: "rowheader" }, h("a", { href: `/tag/${tag.slug}/`, target: "_blank", rel: "noopener" }, tag.name), " ", h("code", { class: "muted" }, `/tag/${tag.slug}/`)),
            h("td", { role: "cell", "data-label": "Description" }, tag.description || h("span", { class: "muted" }, "—")),
            h("td", { role: "cell", "data-label": "Published posts" }, String(tag.posts)),
            h("td", { role: "cell", class: "stack-actions" }, h("button", { type: "button", class: "secondary small", "aria-label": `Edit the tag ${tag.name}`, onclick: () => edit(tag) }, "Edit")),
          ))),
        ),
      ),
    );
  }

  /** Focus back on a row's button after a dialog, or on the heading when the row went. */
  function refocus(slug) {
    const row = [...tableHolder.querySelectorAll("tbody tr")].find((r) => r.dataset.slug === slug);
    (row?.querySelector("button") || heading).focus();
  }

  function edit(tag) {
    const name = h("input", { type: "text", name: "name", maxlength: "80", required: true, value: tag.name, autocomplete: "off" });
    const description = h("textarea", { name: "description", rows: 3, maxlength: "500" });
    description.value = tag.description || "";
    const editFeedback = h("div", { class: "feedback" });
    const others = tags.filter((t) => t.slug !== tag.slug);
    const into = h("select", { name: "into" }, h("option", { value: "" }, "Choose a tag…"), others.map((t) => h("option", { value: t.slug }, t.name)));
    const mergeFeedback = h("div", { class: "feedback" });
    let after = tag.slug;

    const dialog = h(
      "dialog",
      { class: "tag-dialog", "aria-labelledby": "tag-dialog-h" },
      h("h2", { id: "tag-dialog-h" }, `Tag “${tag.name}”`),
      h(
        "form",
        { novalidate: true, onsubmit: save },
        field("Name", name, "Renaming moves the tag's page; its old address and feed lead to the new one."),
        field("Description", description, "A sentence or two, shown on the tag's page and in its feed."),
        editFeedback,
        h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, "Save tag")),
      ),
      h(
        "form",
        { novalidate: true, onsubmit: merge },
        h("h3", {}, "Merge"),
        others.length
          ? field("Merge into", into, `Posts tagged “${tag.name}” are tagged with the chosen tag instead; “${tag.name}” goes and its address leads there.`)
          : h("p", { class: "muted" }, "There is no other tag to merge into."),
        mergeFeedback,
        others.length ? h("div", { class: "row" }, h("button", { type: "submit", class: "secondary" }, "Merge")) : null,
      ),
      h("h3", {}, "Delete"),
      h("p", { class: "hint" }, `Takes “${tag.name}” off every post that has it (${tag.posts} published). Its page is gone.`),
      h(
        "div",
        { class: "row end" },
        h("button", { type: "button", class: "danger", onclick: remove }, "Delete tag"),
        h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, "Close"),
      ),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      refocus(after);
    });
    document.body.append(dialog);
    dialog.showModal();
    name.focus();

    async function save(event) {
      event.preventDefault();
      name.removeAttribute("aria-invalid");
      if (!name.value.trim()) {
        name.setAttribute("aria-invalid", "true");
        say(editFeedback, "Give the tag a name.");
        name.focus();
        return;
      }
      say(editFeedback, null);
      try {
        const saved = await api("PATCH", `/api/v1/tags/${encodeURIComponent(tag.slug)}`, { name: name.value.trim(), description: description.value.trim() });
        after = saved.slug;
        await load();
        toast(saved.slug === tag.slug ? `Saved “${saved.name}”.` : `Renamed to “${saved.name}”: /tag/${tag.slug}/ now leads to /tag/${saved.slug}/.`);
        dialog.close();
      } catch (error) {
        say(editFeedback, error.message);
        name.setAttribute("aria-invalid", "true");
        name.focus();
      }
    }

    async function merge(event) {
      event.preventDefault();
      if (!into.value) {
        say(mergeFeedback, "Choose the tag to merge into.");
        into.focus();
        return;
      }
      const target = others.find((t) => t.slug === into.value);
      const ok = await confirmDialog(`Merge “${tag.name}” into “${target.name}”? Every post tagged “${tag.name}” gets “${target.name}” instead.`, "Merge");
      if (!ok) {
        into.focus();
        return;
      }
      try {
        const kept = await api("POST", `/api/v1/tags/${encodeURIComponent(tag.slug)}/merge`, { into: target.slug });
        after = kept.slug;
        await load();
        toast(`Merged “${tag.name}” into “${kept.name}”.`);
        dialog.close();
      } catch (error) {
        say(mergeFeedback, error.message);
      }
    }

    async function remove() {
      const ok = await confirmDialog(`Delete the tag “${tag.name}”? It is taken off every post that has it.`, "Delete");
      if (!ok) return;
      try {
        const changed = await api("DELETE", `/api/v1/tags/${encodeURIComponent(tag.slug)}`);
        after = null;
        await load();
        toast(`Deleted “${tag.name}” (taken off ${changed.posts} ${changed.posts === 1 ? "post" : "posts"}).`);
        dialog.close();
      } catch (error) {
        say(editFeedback, error.message);
      }
    }
  }

  async function load() {
    say(listStatus, null);
    try {
      tags = await api("GET", "/api/v1/tags");
      tags.sort((a, b) => a.name.localeCompare(b.name));
      redraw();
    } catch (error) {
      tableHolder.replaceChildren();
      listStatus.replaceChildren(
        h("p", { class: "error", role: "alert" }, error.message),
        h("button", { type: "button", class: "secondary", onclick: load }, "Try again"),
      );
    }
  }

  main.replaceChildren(heading, h("p", { class: "hint" }, "Tags group posts on the site: each has its own page and feed."), listStatus, tableHolder);
  await load();
}
