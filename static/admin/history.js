// The editor's History panel (editor.js opens it): each revision labelled with what made it,
// when and by whom; a preview of it and a line diff against the text in the editor; and the
// question a restore asks. Restoring itself is the editor's (it owns the fields).

import { api } from "./api.js";
import { h, formatDate } from "./ui.js";

const KINDS = {
  autosave: "Autosave",
  saved: "Saved",
  published: "Published",
  restored: "Restored",
};

// A line diff compares at most this many pairs of lines (a table of this many
// numbers, 16 MB); beyond it the changed middle shows as removed then added.
const MAX_CELLS = 4_000_000;
// Unchanged lines shown around each change; longer unchanged runs fold.
const CONTEXT = 2;

/**
 * The lines of `before` and `after` as `{op, text}` with op " ", "-" or "+": the longest
 * common subsequence of lines (the classic LCS diff, as `diff` did before Myers' speed-up),
 * after the common start and end are set aside, so the usual small edit of a long post costs
 * only the size of the edit. Done here, not on the server: the editor holds both texts.
 */
export function lineDiff(before, after) {
  // A text's last newline ends its last line; it does not start an empty one.
  const lines = (text) => (text === "" ? [] : text.replace(/\n$/, "").split("\n"));
  const a = lines(before);
  const b = lines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const ops = [];
  for (let i = 0; i < start; i++) ops.push({ op: " ", text: a[i] });
  const n = endA - start;
  const m = endB - start;
  if (n * m > MAX_CELLS) {
    for (let i = start; i < endA; i++) ops.push({ op: "-", text: a[i] });
    for (let j = start; j < endB; j++) ops.push({ op: "+", text: b[j] });
  } else {
    // table[i * w + j]: the longest common run of a[start + i ..] and b[start + j ..].
    const w = m + 1;
    const table = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        table[i * w + j] = a[start + i] === b[start + j]
          ? table[(i + 1) * w + j + 1] + 1
          : Math.max(table[(i + 1) * w + j], table[i * w + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (a[start + i] === b[start + j]) {
        ops.push({ op: " ", text: a[start + i] });
        i++;
        j++;
      } else if (table[(i + 1) * w + j] >= table[i * w + j + 1]) {
        ops.push({ op: "-", text: a[start + i++] });
      } else {
        ops.push({ op: "+", text: b[start + j++] });
      }
    }
    while (i < n) ops.push({ op: "-", text: a[start + i++] });
    while (j < m) ops.push({ op: "+", text: b[start + j++] });
  }
  for (let i = endA; i < a.length; i++) ops.push({ op: " ", text: a[i] });
  return ops;
}

/** A restore's tags, as the server makes them: the revision's first, then every current one it lacks. */
export function restoredTags(revisionTags, currentTags) {
  const seen = new Set();
  return [...revisionTags, ...currentTags].filter((tag) => {
    const key = tag.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The diff as lines a person can read without colour: a sign, and a word for screen readers. */
function diffView(ops) {
  const added = ops.filter((o) => o.op === "+").length;
  const removed = ops.filter((o) => o.op === "-").length;
  if (added === 0 && removed === 0) return [h("p", { class: "muted" }, "No difference in the Markdown.")];
  const lines = [];
  let i = 0;
  while (i < ops.length) {
    if (ops[i].op !== " ") {
      lines.push(diffLine(ops[i]));
      i++;
      continue;
    }
    let end = i;
    while (end < ops.length && ops[end].op === " ") end++;
    const run = end - i;
    const lead = i === 0 ? 0 : CONTEXT;
    const tail = end === ops.length ? 0 : CONTEXT;
    if (run > lead + tail + 1) {
      for (let k = i; k < i + lead; k++) lines.push(diffLine(ops[k]));
      const folded = run - lead - tail;
      lines.push(h("li", { class: "diff-fold" }, `… ${folded} unchanged line${folded === 1 ? "" : "s"} …`));
      for (let k = end - tail; k < end; k++) lines.push(diffLine(ops[k]));
    } else {
      for (let k = i; k < end; k++) lines.push(diffLine(ops[k]));
    }
    i = end;
  }
  const plural = (count, word) => `${count} line${count === 1 ? "" : "s"} ${word}`;
  return [
    h("p", { class: "diff-summary" }, `${plural(added, "added")}, ${plural(removed, "removed")}.`),
    h("ol", { class: "diff", "aria-label": "Line changes" }, lines),
  ];
}

function diffLine({ op, text }) {
  const kind = op === "+" ? "add" : op === "-" ? "del" : "same";
  const word = op === "+" ? "Added: " : op === "-" ? "Removed: " : "";
  return h(
    "li",
    { class: `diff-line diff-${kind}` },
    h("span", { class: "diff-sign", "aria-hidden": "true" }, op === "-" ? "−" : op),
    word ? h("span", { class: "visually-hidden" }, word) : null,
    h("span", { class: "diff-text" }, text === "" ? "\u00a0" : text),
  );
}

/** What besides the Markdown differs, and what a restore does with it. */
function fieldChanges(revision, now) {
  const items = [];
  if (revision.title !== now.title) items.push(`Title: “${revision.title}” then, “${now.title}” in the editor.`);
  const then = revision.tags.join(", ");
  const current = now.tags.join(", ");
  if (then !== current) {
    const kept = restoredTags(revision.tags, now.tags).join(", ");
    items.push(`Tags: ${then || "none"} then, ${current || "none"} in the editor. A restore keeps every tag: ${kept || "none"}.`);
  }
  if ((revision.feature_image || null) !== (now.feature_image || null)) {
    items.push(revision.feature_image
      ? "Feature image: a different one then; a restore brings it back."
      : "Feature image: none then; a restore keeps the current one.");
  }
  return items.length ? h("ul", { class: "history-fields" }, items.map((text) => h("li", {}, text))) : null;
}

function who(names, me, id) {
  return names.get(id) || (id === me.id ? me.name : "someone no longer here");
}

/**
 * Fills `body` with the post's revisions. `editor` gives what the panel needs of the editor:
 * `post`, `me`, `current()` (title, markdown, tags, feature_image in the editor now),
 * `restore(revision)`, `destroyed()`, and `names` (a Map kept between openings, filled here).
 */
export async function showHistory(body, editor) {
  const { post, me } = editor;
  body.replaceChildren(h("p", { class: "muted" }, "Loading revisions…"));
  if (editor.names.size === 0) {
    const authors = await api("GET", "/api/v1/authors").catch(() => []);
    for (const author of authors) editor.names.set(author.id, author.name);
  }
  const revisions = await api("GET", `/api/v1/posts/${post.id}/revisions`);
  if (editor.destroyed()) return;
  if (revisions.length === 0) {
    body.replaceChildren(h("p", { class: "muted" }, "No revisions yet."));
    return;
  }
  body.replaceChildren(
    h("h2", { class: "visually-hidden" }, "Revisions"),
    h("p", { class: "hint" }, "Autosaves a few minutes apart are kept as one. Open a revision to preview it and see how it differs from the text in the editor."),
    h("ol", { class: "history-list", reversed: true }, revisions.map((r) => item(r, editor))),
  );
}

function item(r, editor) {
  const { post, me, names } = editor;
  const kind = r.kind || "saved";
  const current = r.revision === post.revision;
  const detailId = `revision-${r.revision}-detail`;
  const detail = h("div", { class: "history-detail", id: detailId, hidden: true });
  const toggle = h("button", {
    type: "button",
    class: "secondary small",
    "aria-expanded": "false",
    "aria-controls": detailId,
    onclick: () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      toggle.textContent = open ? "Hide preview and changes" : "Preview and changes";
      detail.hidden = !open;
      if (open) fillDetail(detail, r, editor);
    },
  }, "Preview and changes");
  const span = r.first_revision && r.first_revision < r.revision
    ? h("p", { class: "muted history-span" },
      `Autosaves of revisions ${r.first_revision} to ${r.revision}, kept as one; the first at `,
      h("time", { datetime: r.first_saved_at }, formatDate(r.first_saved_at)),
      ".")
    : null;
  const state = current
    ? h("span", { class: "history-current" }, post.status === "published" ? "Current · live" : "Current")
    : h("button", { type: "button", class: "secondary small", "aria-label": `Restore revision ${r.revision}`, onclick: () => editor.restore(r) }, "Restore");
  return h(
    "li",
    { class: "history-item" },
    h("div", { class: "history-row" },
      h("div", { class: "history-what" },
        h("h3", { class: "history-heading" },
          `Revision ${r.revision} `,
          h("span", { class: `history-kind kind-${kind}` }, KINDS[kind] || kind)),
        h("p", { class: "history-meta" },
          h("time", { datetime: r.created_at }, formatDate(r.created_at)),
          ` · by ${who(names, me, r.saved_by)}`),
        span,
        h("p", { class: "muted history-title" }, r.title)),
      h("div", { class: "row history-actions" }, toggle, state)),
    detail,
  );
}

async function fillDetail(detail, r, editor) {
  if (detail.dataset.filled) return;
  detail.dataset.filled = "yes";
  const now = editor.current();
  const preview = h("div", { class: "preview-body history-preview", "aria-busy": "true" }, h("p", { class: "muted" }, "Rendering…"));
  // Links in the preview would leave the editor.
  preview.addEventListener("click", (event) => {
    if (event.target.closest("a[href]")) event.preventDefault();
  });
  detail.replaceChildren(
    h("h4", {}, `Changes from revision ${r.revision} to the text in the editor`),
    fieldChanges(r, now),
    ...diffView(lineDiff(r.markdown, now.markdown)),
    h("h4", {}, `Revision ${r.revision} as its page would show it`),
    preview,
  );
  if (!r.markdown.trim()) {
    preview.replaceChildren(h("p", { class: "muted" }, "This revision has no text."));
    preview.removeAttribute("aria-busy");
    return;
  }
  try {
    const rendered = await api("POST", "/api/v1/render", { markdown: r.markdown });
    if (editor.destroyed()) return;
    const template = document.createElement("template");
    template.innerHTML = rendered.html;
    preview.replaceChildren(template.content);
  } catch (error) {
    preview.replaceChildren(h("p", { class: "error" }, `The preview could not be made. ${error.message}`));
  } finally {
    preview.removeAttribute("aria-busy");
  }
}

/**
 * Asks how to restore revision `number`: resolves "load" (into the editor, unsaved),
 * "publish" (restore and publish now), "restore" (a draft: saved as a new revision) or null.
 * A published post is never changed by a restore the writer did not choose to publish.
 */
export function askRestore(number, { live, dirty }) {
  return new Promise((resolve) => {
    const headingId = `restore-${number}-heading`;
    const warning = dirty ? h("p", { class: "warning" }, "Your unsaved changes in the editor will be replaced.") : null;
    const close = (value) => () => dialog.close(value);
    const buttons = live
      ? [
        h("button", { type: "button", class: "secondary", onclick: close("no") }, "Cancel"),
        h("button", { type: "button", class: "secondary", onclick: close("publish") }, "Restore and publish now"),
        h("button", { type: "button", class: "primary", onclick: close("load") }, "Load into the editor"),
      ]
      : [
        h("button", { type: "button", class: "secondary", onclick: close("no") }, "Cancel"),
        h("button", { type: "button", class: "primary", onclick: close("restore") }, "Restore"),
      ];
    const text = live
      ? "This post is published. “Load into the editor” puts the revision's text in the editor as unsaved changes: the live page stays as it is until you save. “Restore and publish now” changes the live page at once."
      : "It becomes the current version, saved as a new revision.";
    const dialog = h(
      "dialog",
      { class: "confirm restore-dialog", "aria-labelledby": headingId },
      h("h2", { id: headingId }, `Restore revision ${number}?`),
      h("p", {}, text),
      h("p", { class: "hint" }, "Nothing is taken away: the revision's tags are added to today's, its feature image comes back if it had one (else today's stays), and the search and sharing details stay as they are."),
      warning,
      h("div", { class: "row end" }, buttons),
    );
    dialog.addEventListener("close", () => {
      const value = dialog.returnValue;
      resolve(value === "load" || value === "publish" || value === "restore" ? value : null);
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
