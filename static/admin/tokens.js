// The API tokens screen (#/tokens): the signed-in person's own tokens — create one (shown once), list, revoke.

import { api } from "./api.js";
import { h, toast, say, confirmDialog, field, formatDate } from "./ui.js";

const SCOPE_HINT =
  "read: can only look (GET requests). write: can also create, change and delete — with your role's permissions, no more.";

export async function render(main, ctx) {
  // --- Create a token -----------------------------------------------------------
  const name = h("input", { type: "text", name: "name", maxlength: "80", autocomplete: "off", placeholder: "e.g. Deploy script", required: true });
  const scope = h("select", { name: "scope" }, h("option", { value: "read" }, "read"), h("option", { value: "write" }, "write"));
  const feedback = h("div", { class: "feedback" });
  const createButton = h("button", { type: "submit", class: "primary" }, "Create token");
  const reveal = h("div", {});

  const form = h(
    "form",
    { class: "card people-form", novalidate: true, "aria-labelledby": "tokens-new-h", onsubmit: create },
    h("h2", { id: "tokens-new-h" }, "Create a token"),
    h(
      "p",
      { class: "hint" },
      "A token lets a script use the API as you: send it in the header ",
      h("code", {}, "Authorization: Bearer …"),
      ".",
    ),
    h("div", { class: "people-form-grid" }, field("Name", name, "Say what uses it, so you know which to revoke later. Each of your tokens has its own name."), field("Scope", scope, SCOPE_HINT)),
    feedback,
    h("div", { class: "row" }, createButton),
  );

  async function create(event) {
    event.preventDefault();
    name.removeAttribute("aria-invalid");
    if (!name.value.trim()) {
      name.setAttribute("aria-invalid", "true");
      say(feedback, "Give the token a name.");
      name.focus();
      return;
    }
    say(feedback, null);
    createButton.disabled = true;
    try {
      const created = await api("POST", "/api/v1/tokens", { name: name.value.trim(), scope: scope.value });
      showSecret(created);
      tokens.push(created);
      redraw();
      form.reset();
    } catch (error) {
      say(feedback, error.message);
    } finally {
      createButton.disabled = false;
    }
  }

  /** The secret exists only in this response: show it once, selected, ready to copy. */
  function showSecret(created) {
    const secret = h("input", { type: "text", readonly: true, value: created.token, spellcheck: "false", autocomplete: "off", class: "token-secret" });
    const copied = h("span", { role: "status", class: "notice" });
    const copyButton = h("button", {
      type: "button",
      class: "primary",
      onclick: async () => {
        secret.select();
        let ok = false;
        try {
          await navigator.clipboard.writeText(secret.value);
          ok = true;
        } catch {
          // Not a secure context, or no permission: the older way still works from a click.
          try {
            ok = document.execCommand("copy");
          } catch {
            ok = false;
          }
        }
        copied.className = ok ? "notice" : "error";
        copied.textContent = ok ? "Copied." : "Couldn't copy here: the token is selected, press Ctrl+C (⌘C on a Mac).";
        secret.focus();
        secret.select();
      },
    }, "Copy");
    const region = h(
      "section",
      { class: "card token-reveal", "aria-labelledby": "tokens-secret-h" },
      h("h2", { id: "tokens-secret-h" }, "Your new token"),
      h("p", {}, h("strong", {}, "Copy it now: it won't be shown again."), ` It is “${created.name}”, scope ${created.scope}.`),
      field("New token", secret),
      h("div", { class: "row" }, copyButton, copied, h("button", { type: "button", class: "secondary", onclick: () => { region.remove(); name.focus(); } }, "Done")),
    );
    reveal.replaceChildren(region);
    secret.focus();
    secret.select();
  }

  // --- The list -----------------------------------------------------------------------
  let tokens = [];
  const listStatus = h("div", {});
  const tableHolder = h("div", {});
  const listHeading = h("h2", { id: "tokens-list-h", tabindex: "-1" }, "Your tokens");

  function redraw() {
    if (tokens.length === 0) {
      tableHolder.replaceChildren(h("p", { class: "muted" }, "You have no API tokens."));
      return;
    }
    // Columns the server gives for no token stay out rather than fill with blanks.
    const withExpiry = tokens.some((t) => t.expires_at);
    const headings = ["Name", "Scope", "Created", "Last used", withExpiry ? "Expires" : null, "Actions"].filter(Boolean);
    tableHolder.replaceChildren(
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          // Explicit roles keep the table a table for screen readers when narrow screens restyle it as cards.
          { class: "tokens-table stack-table", role: "table", "aria-labelledby": "tokens-list-h" },
          h("thead", { role: "rowgroup" }, h("tr", { role: "row" }, headings.map((t) => h("th", { scope: "col", role: "columnheader" }, t)))),
          h("tbody", { role: "rowgroup" }, tokens.map((token) => h(
            "tr",
            { role: "row", dataset: { id: token.id } },
            h("th", { scope: "row", role: "rowheader" }, token.name, token.hint ? [" ", h("code", { class: "muted token-hint", title: "The token's first characters" }, token.hint)] : null),
            h("td", { role: "cell", "data-label": "Scope" }, h("span", { class: `badge token-scope ${token.scope}` }, token.scope)),
            h("td", { role: "cell", "data-label": "Created" }, formatDate(token.created_at)),
            h("td", { role: "cell", "data-label": "Last used" }, token.last_used_at ? formatDate(token.last_used_at) : h("span", { class: "muted" }, "never")),
            withExpiry ? h("td", { role: "cell", "data-label": "Expires" }, token.expires_at ? formatDate(token.expires_at) : h("span", { class: "muted" }, "never")) : null,
            h("td", { role: "cell", class: "stack-actions" }, h("button", { type: "button", class: "danger small", "aria-label": `Revoke ${token.name}`, onclick: () => revoke(token) }, "Revoke")),
          ))),
        ),
      ),
    );
  }

  async function revoke(token) {
    const ok = await confirmDialog(`Revoke the token “${token.name}”? Anything using it stops working at once.`, "Revoke");
    const rows = [...tableHolder.querySelectorAll("tbody tr")];
    const index = rows.findIndex((row) => row.dataset.id === token.id);
    if (!ok) {
      rows[index]?.querySelector("button")?.focus();
      return;
    }
    try {
      await api("DELETE", `/api/v1/tokens/${token.id}`);
      tokens = tokens.filter((t) => t.id !== token.id);
      redraw();
      // Keep keyboard focus near where it was: the revoke button now in that place, or the heading.
      const after = [...tableHolder.querySelectorAll("tbody tr button")];
      (after[Math.min(index, after.length - 1)] || listHeading).focus();
      toast(`Revoked “${token.name}”.`);
    } catch (error) {
      toast(error.message, "error");
    }
  }

  async function load() {
    say(listStatus, null);
    try {
      tokens = await api("GET", "/api/v1/tokens");
      redraw();
    } catch (error) {
      tableHolder.replaceChildren();
      listStatus.replaceChildren(
        h("p", { class: "error", role: "alert" }, error.message),
        h("button", { type: "button", class: "secondary", onclick: load }, "Try again"),
      );
    }
  }

  main.replaceChildren(h("h1", {}, "API tokens"), form, reveal, listHeading, listStatus, tableHolder);
  await load();
}
