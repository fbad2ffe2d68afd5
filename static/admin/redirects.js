// The redirects screen (#/redirects), for administrators and the owner: old
// addresses that answer 301 — add one (to an address, or to a post that it then
// follows wherever its slug goes), list them, remove one. Slug changes of
// published posts add theirs by themselves; the server refuses loops, the
// site's own addresses and live posts' addresses with a sentence shown here.

import { api } from "./api.js";
import { h, toast, say, confirmDialog, field, formatDate } from "./ui.js";

const ORIGIN = { manual: "Added here", slug_change: "Slug change", tag_change: "Tag renamed or merged" };

export async function render(main) {
  // --- Add a redirect ------------------------------------------------------------
  const from = h("input", { type: "text", name: "from", autocomplete: "off", spellcheck: "false", placeholder: "/2019/03/old-post/", required: true });
  const to = h("input", { type: "text", name: "to", autocomplete: "off", spellcheck: "false", placeholder: "/new-post/ or https://…" });
  const post = h("select", { name: "post_id" }, h("option", { value: "" }, "Loading posts…"));
  // The attribute, not the property: form.reset() goes back to it.
  const toAddress = h("input", { type: "radio", name: "target", value: "address", checked: "checked" });
  const toPost = h("input", { type: "radio", name: "target", value: "post" });
  const addressField = field("Address", to, "A path on this site (/tag/news/) or a whole address elsewhere.");
  const postField = field("Which post or page", post, "The redirect follows the post: change its slug later and it still leads there.");
  postField.hidden = true;
  const feedback = h("div", { class: "feedback" });
  const addButton = h("button", { type: "submit", class: "primary" }, "Add redirect");

  function showTarget() {
    addressField.hidden = !toAddress.checked;
    postField.hidden = !toPost.checked;
  }
  toAddress.addEventListener("change", showTarget);
  toPost.addEventListener("change", showTarget);

  const form = h(
    "form",
    { class: "card people-form", novalidate: true, "aria-labelledby": "redirects-new-h", onsubmit: add },
    h("h2", { id: "redirects-new-h" }, "Add a redirect"),
    h("p", { class: "hint" }, "Readers and search engines asking for the old address are sent on with a permanent redirect (301). A published post's address can't be redirected: it would never be reached."),
    h(
      "div",
      { class: "people-form-grid" },
      field("Old address", from, "A path on this site, such as /old-post/ or /?p=123."),
      h(
        "fieldset",
        {},
        h("legend", {}, "Leads to"),
        h("label", {}, toAddress, " An address"),
        " ",
        h("label", {}, toPost, " A post or page"),
      ),
      addressField,
      postField,
    ),
    feedback,
    h("div", { class: "row" }, addButton),
  );

  async function add(event) {
    event.preventDefault();
    for (const control of [from, to, post]) control.removeAttribute("aria-invalid");
    const body = { from: from.value.trim() };
    let missing = null;
    if (!body.from) missing = [from, "Give the old address, starting with /."];
    else if (toPost.checked) {
      if (post.value) body.post_id = post.value;
      else missing = [post, "Choose the post or page it leads to."];
    } else if (to.value.trim()) body.to = to.value.trim();
    else missing = [to, "Give the address it leads to."];
    if (missing) {
      missing[0].setAttribute("aria-invalid", "true");
      say(feedback, missing[1]);
      missing[0].focus();
      return;
    }
    say(feedback, null);
    addButton.disabled = true;
    try {
      const created = await api("POST", "/api/v1/redirects", body);
      form.reset();
      showTarget();
      toast(`${created.from} now leads to ${created.location || "its post"}.`);
      await load();
    } catch (error) {
      say(feedback, error.message);
      from.setAttribute("aria-invalid", "true");
      from.focus();
    } finally {
      addButton.disabled = false;
    }
  }

  /** Titles for the post choice: the newest hundred posts and pages of any status. */
  async function loadPosts() {
    try {
      const page = await api("GET", "/api/v1/posts?per_page=100");
      post.replaceChildren(
        h("option", { value: "" }, "Choose…"),
        ...page.posts.map((p) => h("option", { value: p.id }, `${p.title} (/${p.slug}/${p.status === "published" ? "" : `, ${p.status}`})`)),
      );
    } catch (error) {
      post.replaceChildren(h("option", { value: "" }, "Posts could not be listed"));
      toast(error.message, "error");
    }
  }

  // --- The list -----------------------------------------------------------------------
  let redirects = [];
  let total = 0;
  const listStatus = h("div", {});
  const tableHolder = h("div", {});
  const listHeading = h("h2", { id: "redirects-list-h", tabindex: "-1" }, "Redirects");

  function leadsTo(redirect) {
    if (redirect.location) return h("a", { href: redirect.location }, redirect.location);
    return h("span", { class: "muted" }, "a post that is not published (readers get “not found”)");
  }

  function redraw() {
    if (redirects.length === 0) {
      tableHolder.replaceChildren(h("p", { class: "muted" }, "There are no redirects."));
      return;
    }
    tableHolder.replaceChildren(
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "tokens-table stack-table", role: "table", "aria-labelledby": "redirects-list-h" },
          h("thead", { role: "rowgroup" }, h("tr", { role: "row" }, ["Old address", "Leads to", "Why", "Added", "Actions"].map((t) => h("th", { scope: "col", role: "columnheader" }, t)))),
          h("tbody", { role: "rowgroup" }, redirects.map((redirect) => h(
            "tr",
            { role: "row", dataset: { id: redirect.id } },
            h("th", { scope: "row", role: "rowheader" }, h("code", {}, redirect.from)),
            h("td", { role: "cell", "data-label": "Leads to" }, leadsTo(redirect)),
            h("td", { role: "cell", "data-label": "Why" }, ORIGIN[redirect.origin] || redirect.origin),
            h("td", { role: "cell", "data-label": "Added" }, formatDate(redirect.created_at)),
            h("td", { role: "cell", class: "stack-actions" }, h("button", { type: "button", class: "danger small", "aria-label": `Remove the redirect from ${redirect.from}`, onclick: () => remove(redirect) }, "Remove")),
          ))),
        ),
      ),
    );
    if (total > redirects.length) tableHolder.append(h("p", { class: "muted" }, `Showing the first ${redirects.length} of ${total}.`));
  }

  async function remove(redirect) {
    const ok = await confirmDialog(`Remove the redirect from ${redirect.from}? Readers asking for it get “not found” from now on.`, "Remove");
    const rows = [...tableHolder.querySelectorAll("tbody tr")];
    const index = rows.findIndex((row) => row.dataset.id === redirect.id);
    if (!ok) {
      rows[index]?.querySelector("button")?.focus();
      return;
    }
    try {
      await api("DELETE", `/api/v1/redirects/${redirect.id}`);
      redirects = redirects.filter((r) => r.id !== redirect.id);
      total -= 1;
      redraw();
      const after = [...tableHolder.querySelectorAll("tbody tr button")];
      (after[Math.min(index, after.length - 1)] || listHeading).focus();
      toast(`Removed the redirect from ${redirect.from}.`);
    } catch (error) {
      toast(error.message, "error");
    }
  }

  async function load() {
    say(listStatus, null);
    try {
      const page = await api("GET", "/api/v1/redirects?per_page=500");
      redirects = page.redirects;
      total = page.total;
      redraw();
    } catch (error) {
      tableHolder.replaceChildren();
      listStatus.replaceChildren(
        h("p", { class: "error", role: "alert" }, error.message),
        h("button", { type: "button", class: "secondary", onclick: load }, "Try again"),
      );
    }
  }

  main.replaceChildren(h("h1", {}, "Redirects"), form, listHeading, listStatus, tableHolder);
  await Promise.all([load(), loadPosts()]);
}
