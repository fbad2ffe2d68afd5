// The media library (`#/media`) and the image picker the post editor opens: one
// uploader and one grid, shared by both, plus the details dialog for one image.

import { api, upload } from "./api.js";
import { h, toast, say, confirmDialog, formatDate, field } from "./ui.js";

const ACCEPT = "image/jpeg,image/png,image/webp,image/gif";
const PER_PAGE = 24;
// Two at a time: the server processes images on a small pool and answers 503
// when it is full, so a big drop waits its turn here rather than failing there.
const PARALLEL_UPLOADS = 2;
// A finished row stays long enough to be read, then makes room.
const DONE_ROW_MS = 5000;

let uid = 0;
const nextId = (prefix) => `${prefix}-${++uid}`;

/** The smallest generated width: a card is ~160 px, so 320 is sharp on 2× screens. */
function smallest(medium) {
  const variants = [...(medium.variants || [])].sort((a, b) => a.width - b.width);
  return variants[0] || { width: medium.width, url: medium.original_url };
}

/** The variant closest above `wanted` pixels wide, for the larger preview. */
function around(medium, wanted) {
  const variants = [...(medium.variants || [])].sort((a, b) => a.width - b.width);
  return variants.find((v) => v.width >= wanted) || variants[variants.length - 1] || { width: medium.width, url: medium.original_url };
}

/** `replaceChildren` that skips null and flattens arrays, as `h()` does for its children. */
function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
}

function heightFor(medium, width) {
  return medium.width ? Math.max(1, Math.round((width * medium.height) / medium.width)) : width;
}

function bytes(n) {
  if (!Number.isFinite(n)) return "";
  if (n < 1000) return `${n} bytes`;
  if (n < 1_000_000) return `${Math.round(n / 1000)} KB`;
  return `${(n / 1_000_000).toFixed(1)} MB`;
}

function kind(contentType) {
  const k = (contentType || "").replace(/^image\//, "").toUpperCase();
  return k === "WEBP" ? "WebP" : k;
}

/** `![ALT](media:ID)`, with the characters that would end the alt text escaped. */
export function referenceFor(medium, alt = medium.alt) {
  const text = (alt || "").replace(/\s+/g, " ").trim().replace(/([\\[\]])/g, "\\$1");
  return `![${text}](media:${medium.id})`;
}

function mayManage(ctx, medium) {
  if (!ctx || !ctx.me) return false;
  return (typeof ctx.can === "function" && ctx.can("manage_all_media")) || medium.owner === ctx.me.id;
}

function thumbnail(medium) {
  const v = smallest(medium);
  return h("img", {
    src: v.url,
    alt: medium.alt || "",
    width: String(v.width),
    height: String(heightFor(medium, v.width)),
    loading: "lazy",
    decoding: "async",
  });
}

// ---------------------------------------------------------------------------
// Uploading: a labelled file input inside a drop zone, and one row per file.

/**
 * The upload area. `onUploaded(medium)` is called for every stored image.
 * Returns `{ element, busy, destroy }`.
 */
function createUploader({ onUploaded }) {
  const inputId = nextId("upload");
  const input = h("input", { type: "file", id: inputId, multiple: true, accept: ACCEPT, class: "upload-input" });
  const rows = h("ul", { class: "upload-rows", "aria-label": "Uploads", "aria-live": "polite" });
  rows.hidden = true;
  const zone = h(
    "div",
    { class: "dropzone" },
    h("label", { for: inputId, class: "label" }, "Upload images"),
    input,
    h("p", { class: "hint" }, "Choose files, or drop them here. JPEG, PNG, WebP or GIF."),
  );

  const queue = [];
  let running = 0;
  let alive = true;

  function pump() {
    while (alive && running < PARALLEL_UPLOADS && queue.length) {
      const job = queue.shift();
      running += 1;
      send(job).finally(() => {
        running -= 1;
        pump();
      });
    }
  }

  function enqueue(job) {
    job.setWaiting();
    queue.push(job);
    pump();
  }

  function addFiles(files) {
    const list = [...files];
    if (!list.length) return;
    rows.hidden = false;
    for (const file of list) enqueue(makeJob(file));
  }

  function makeJob(file) {
    const nameId = nextId("upname");
    const progress = h("progress", { max: "1", value: "0", "aria-label": `Uploading ${file.name}` });
    const status = h("span", { class: "upload-status muted" });
    const actions = h("span", { class: "row upload-actions" });
    const row = h(
      "li",
      { class: "upload-row" },
      h("span", { class: "upload-name", id: nameId }, file.name),
      progress,
      status,
      actions,
    );
    rows.append(row);
    const removeRow = () => {
      const hadFocus = row.contains(document.activeElement);
      row.remove();
      if (!rows.children.length) rows.hidden = true;
      // Focus was on a button that just went away: the file input is the next useful place.
      if (hadFocus) input.focus();
    };
    return {
      file,
      setWaiting() {
        row.classList.remove("failed", "done");
        actions.replaceChildren();
        progress.hidden = false;
        progress.value = 0;
        status.className = "upload-status muted";
        status.textContent = "Waiting…";
      },
      setProgress(fraction) {
        if (fraction >= 1) {
          // The bytes are sent; the server now makes the variants. An
          // indeterminate bar says "working" without inventing a percentage.
          progress.removeAttribute("value");
          status.textContent = "Processing…";
        } else {
          // The bar carries the percentage; the words change only between
          // phases so a screen reader isn't read every tick.
          progress.value = fraction;
          if (status.textContent !== "Uploading…") status.textContent = "Uploading…";
        }
      },
      setDone() {
        row.classList.add("done");
        progress.hidden = true;
        status.className = "upload-status notice";
        status.textContent = "Uploaded.";
        setTimeout(removeRow, DONE_ROW_MS);
      },
      setFailed(error, retry) {
        row.classList.add("failed");
        progress.hidden = true;
        status.className = "upload-status error";
        status.textContent = error.message;
        fill(actions,
          retry
            ? h("button", {
                type: "button", class: "secondary small", "aria-describedby": nameId,
                onclick: () => {
                  retry();
                  input.focus();
                },
              }, "Retry")
            : null,
          h("button", { type: "button", class: "link small", "aria-describedby": nameId, onclick: removeRow }, "Dismiss"),
        );
      },
    };
  }

  async function send(job) {
    job.setProgress(0);
    const form = new FormData();
    form.append("file", job.file, job.file.name);
    try {
      const medium = await upload("/api/v1/media", form, (f) => job.setProgress(f));
      if (!alive) return;
      job.setDone();
      onUploaded(medium);
    } catch (error) {
      if (!alive) return;
      // Busy (or a dropped connection) is where the same file can succeed
      // moments later; a refusal would only be refused again.
      const retry = error.status === 503 || error.status === 0 ? () => enqueue(job) : null;
      job.setFailed(error, retry);
    }
  }

  input.addEventListener("change", () => {
    addFiles(input.files);
    // Cleared so choosing the same file again still counts as a change.
    input.value = "";
  });

  let depth = 0;
  zone.addEventListener("dragenter", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth += 1;
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragover", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (!depth) zone.classList.remove("dragging");
  });
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    depth = 0;
    zone.classList.remove("dragging");
    if (event.dataTransfer && event.dataTransfer.files) addFiles(event.dataTransfer.files);
  });

  return {
    element: h("div", { class: "uploader" }, zone, rows),
    input,
    /** Whether files are still being sent or waiting their turn. */
    busy: () => running > 0 || queue.length > 0,
    destroy() {
      alive = false;
      queue.length = 0;
    },
  };
}

function hasFiles(event) {
  return !!event.dataTransfer && [...(event.dataTransfer.types || [])].includes("Files");
}

/** Stops a file dropped just beside the zone from replacing the whole page. */
function swallowStrayDrops(element) {
  const stop = (event) => {
    if (hasFiles(event)) event.preventDefault();
  };
  element.addEventListener("dragover", stop);
  element.addEventListener("drop", stop);
}

// ---------------------------------------------------------------------------
// The grid: newest first, "Only mine", "Load more", shared by screen and picker.

/**
 * `label(medium)` names each card's button, `onActivate(medium, button)` runs
 * when it is pressed. Returns the pieces and methods to keep it current.
 */
function createGrid(ctx, { label, onActivate, emptyText }) {
  const list = h("ul", { class: "media-grid" });
  const summary = h("p", { class: "muted media-summary", role: "status" });
  const feedback = h("div", { class: "feedback" });
  const empty = h("p", { class: "media-empty" });
  empty.hidden = true;
  const more = h("button", { type: "button", class: "secondary", onclick: () => loadMore() }, "Load more");
  more.hidden = true;
  const mineBox = h("input", { type: "checkbox", onchange: () => reload() });
  const mine = ctx && ctx.me
    ? h("label", { class: "checkbox" }, mineBox, " Only mine")
    : null;

  const cards = new Map(); // id → { medium, li, img, button, meta }
  let total = 0;
  let loading = false;
  let generation = 0;

  function ownerFilter() {
    return mineBox.checked && ctx && ctx.me ? ctx.me.id : null;
  }

  function cardFor(medium) {
    const img = thumbnail(medium);
    const button = h("button", { type: "button", class: "thumb", "aria-label": label(medium) }, img);
    button.addEventListener("click", () => onActivate(cards.get(medium.id).medium, button));
    const name = h("span", { class: "media-name", title: medium.file_name }, medium.file_name);
    const meta = h("span", { class: "media-meta muted" });
    const li = h("li", { class: "media-card" }, button, name, meta);
    const card = { medium, li, img, button, name, meta };
    fillMeta(card);
    return card;
  }

  function fillMeta(card) {
    const m = card.medium;
    fill(card.meta,
      `${m.width} × ${m.height}`,
      m.alt ? null : h("span", { class: "no-alt" }, " · No alt text"),
      m.used_in === undefined ? null : ` · ${m.used_in === 0 ? "Not used" : `Used in ${m.used_in} ${m.used_in === 1 ? "post" : "posts"}`}`,
    );
  }

  function update(medium) {
    const card = cards.get(medium.id);
    if (!card) return;
    card.medium = medium;
    const v = smallest(medium);
    card.img.src = v.url;
    card.img.alt = medium.alt || "";
    card.img.width = v.width;
    card.img.height = heightFor(medium, v.width);
    card.button.setAttribute("aria-label", label(medium));
    card.name.textContent = medium.file_name;
    fillMeta(card);
  }

  function add(medium, { atTop = false } = {}) {
    if (cards.has(medium.id)) {
      // The server gives back the existing image for a repeated upload.
      update(medium);
      if (atTop) list.prepend(cards.get(medium.id).li);
      return false;
    }
    const card = cardFor(medium);
    cards.set(medium.id, card);
    if (atTop) list.prepend(card.li);
    else list.append(card.li);
    return true;
  }

  function render() {
    const shown = cards.size;
    more.hidden = shown >= total;
    const nothing = !shown && !loading && !feedback.childElementCount;
    empty.hidden = !nothing;
    empty.textContent = ownerFilter() ? "You haven't uploaded any images yet." : emptyText;
    list.hidden = !shown;
    summary.textContent = shown ? `Showing ${shown} of ${total} image${total === 1 ? "" : "s"}.` : "";
  }

  async function fetchPage(page) {
    const params = new URLSearchParams({ page: String(page), per_page: String(PER_PAGE) });
    const owner = ownerFilter();
    if (owner) params.set("owner", owner);
    return api("GET", `/api/v1/media?${params}`);
  }

  async function loadMore() {
    if (loading) return;
    // Not disabled while loading: a disabled button would drop keyboard focus.
    loading = true;
    more.setAttribute("aria-disabled", "true");
    const mine = generation;
    const before = list.lastElementChild;
    try {
      // Uploads and deletions since the first page shift the pages; fetching
      // by how many are shown and skipping ones already here covers both.
      let page = Math.floor(cards.size / PER_PAGE) + 1;
      let added = 0;
      for (let tries = 0; tries < 4; tries += 1) {
        const result = await fetchPage(page);
        if (mine !== generation) return;
        total = result.total;
        for (const medium of result.media) if (add(medium)) added += 1;
        if (added >= PER_PAGE || result.media.length < result.per_page || cards.size >= total) break;
        page += 1;
      }
      say(feedback, null);
    } catch (error) {
      if (mine !== generation) return;
      feedback.replaceChildren(
        h("p", { class: "error", role: "alert" }, error.message, " ",
          h("button", { type: "button", class: "secondary small", onclick: () => loadMore() }, "Try again")),
      );
    } finally {
      if (mine === generation) {
        loading = false;
        more.setAttribute("aria-disabled", "false");
        const hadFocus = document.activeElement === more;
        render();
        // All loaded, so the button went away: carry on from the first new image.
        if (hadFocus && more.hidden) {
          const first = before ? before.nextElementSibling : list.firstElementChild;
          if (first) first.querySelector("button").focus();
        }
      }
    }
  }

  function reload() {
    generation += 1;
    loading = false;
    cards.clear();
    list.replaceChildren();
    total = 0;
    return loadMore();
  }

  return {
    controls: h("div", { class: "spread media-controls" }, mine, summary),
    list,
    feedback,
    empty,
    more,
    reload,
    /** A new upload: shown first (it is the newest) unless the filter hides it. */
    prepend(medium) {
      if (ownerFilter() && medium.owner !== ownerFilter()) return;
      if (add(medium, { atTop: true })) total += 1;
      render();
    },
    update,
    remove(id) {
      const card = cards.get(id);
      if (!card) return;
      card.li.remove();
      cards.delete(id);
      total = Math.max(0, total - 1);
      render();
    },
    /** Where focus goes when a card disappears: its neighbour, if it has one. */
    neighbourOf(id) {
      const card = cards.get(id);
      const li = card && (card.li.nextElementSibling || card.li.previousElementSibling);
      return li ? li.querySelector("button") : null;
    },
    buttonFor(id) {
      const card = cards.get(id);
      return card ? card.button : null;
    },
  };
}

// ---------------------------------------------------------------------------
// The library screen.

export async function render(main, ctx) {
  let grid;
  const uploader = createUploader({ onUploaded: (medium) => grid.prepend(medium) });
  grid = createGrid(ctx, {
    label: (m) => `Details for ${m.file_name}`,
    onActivate: (medium, button) => openDetails(ctx, medium, { grid, opener: button, fallback: uploader.input }),
    emptyText: "No images yet. Upload some above; they will appear here, newest first.",
  });
  main.replaceChildren(
    h("h1", {}, "Media"),
    h("section", { class: "media-upload", "aria-label": "Upload" }, uploader.element),
    h("section", { class: "media-library", "aria-label": "Library" }, grid.controls, grid.feedback, grid.empty, grid.list, h("div", { class: "row media-more" }, grid.more)),
  );
  swallowStrayDrops(main);
  ctx.leaveGuard = () => {
    if (uploader.busy()) return "Images are still uploading. Leave anyway? Any not finished yet may be lost.";
    if (detailsDirty && detailsDirty()) return "Your changes to the alt text or caption are not saved. Leave anyway?";
    return null;
  };
  await grid.reload();
  return () => {
    uploader.destroy();
    document.querySelectorAll("dialog.media-details").forEach((d) => d.close());
  };
}

// ---------------------------------------------------------------------------
// One image's details: preview, alt text and caption, edits, reference, delete.

// The open details dialog's "typed but not saved" check, for the leave guard.
let detailsDirty = null;

const EDITS = [
  ["Rotate left", { rotate: 270 }],
  ["Rotate right", { rotate: 90 }],
  ["Flip horizontally", { flip: "horizontal" }],
];

function openDetails(ctx, start, { grid, opener, fallback }) {
  let medium = start;
  const canManage = mayManage(ctx, medium);
  const headingId = nextId("details");
  const preview = h("img", { class: "details-preview", alt: "" });
  const facts = h("p", { class: "muted details-facts" });
  const busy = h("p", { class: "muted details-busy", role: "status" });

  function paintPreview() {
    const v = around(medium, 800);
    preview.src = v.url;
    preview.srcset = medium.srcset || "";
    preview.sizes = "(max-width: 40rem) 90vw, 28rem";
    preview.width = v.width;
    preview.height = heightFor(medium, v.width);
    preview.alt = medium.alt || "";
    fill(facts,
      h("span", {}, `${medium.width} × ${medium.height} px`),
      " · ",
      h("span", {}, bytes(medium.byte_size)),
      medium.content_type ? [" · ", h("span", {}, kind(medium.content_type) + (medium.animated ? " (animated)" : ""))] : null,
      h("br"),
      `Uploaded ${formatDate(medium.created_at)}`,
      medium.version > 1 ? ` · version ${medium.version}` : null,
    );
  }

  // Alt text and caption.
  const alt = h("textarea", { rows: "3", maxlength: "1000", class: "alt-text" });
  const caption = h("input", { type: "text", maxlength: "2000" });
  alt.value = medium.alt || "";
  caption.value = medium.caption || "";
  const detailsFeedback = h("div", { class: "feedback" });
  const save = h("button", { type: "submit", class: "primary" }, "Save details");
  let saving = false;
  const dirty = () => canManage && (alt.value.trim() !== (medium.alt || "") || caption.value.trim() !== (medium.caption || ""));

  const form = canManage
    ? h(
        "form",
        {
          class: "details-form",
          onsubmit: async (event) => {
            event.preventDefault();
            if (saving) return;
            saving = true;
            save.setAttribute("aria-disabled", "true");
            say(detailsFeedback, null);
            const sent = { alt: alt.value, caption: caption.value };
            try {
              medium = await api("PATCH", `/api/v1/media/${medium.id}`, sent);
              // The server trims; show its version unless the person typed on meanwhile.
              if (alt.value === sent.alt) alt.value = medium.alt;
              if (caption.value === sent.caption) caption.value = medium.caption;
              grid.update(medium);
              paintPreview();
              say(detailsFeedback, "Saved.", "ok");
            } catch (error) {
              // What was typed stays in the fields for another try.
              say(detailsFeedback, error.message);
            } finally {
              saving = false;
              save.setAttribute("aria-disabled", "false");
            }
          },
        },
        field("Alt text", alt, "Describe the picture for people who can't see it. Leave it empty only if it is decoration."),
        field("Caption", caption, "Shown under the picture in posts, if the post uses captions."),
        detailsFeedback,
        h("div", { class: "row" }, save),
      )
    : h(
        "div",
        { class: "details-form" },
        h("p", {}, h("span", { class: "label" }, "Alt text: "), medium.alt || h("span", { class: "muted" }, "none")),
        h("p", {}, h("span", { class: "label" }, "Caption: "), medium.caption || h("span", { class: "muted" }, "none")),
        h("p", { class: "hint" }, "Only the person who uploaded this image, or an editor, can change it."),
      );

  // Edits: each makes a new version; undo goes back one.
  const editFeedback = h("div", { class: "feedback" });
  const editButtons = EDITS.map(([name, operation]) =>
    h("button", { type: "button", class: "secondary small", onclick: () => runEdit(name, () => api("POST", `/api/v1/media/${medium.id}/edit`, { operations: [operation] })) }, name),
  );
  const undo = h("button", { type: "button", class: "secondary small", onclick: () => runEdit("Undo last edit", () => api("POST", `/api/v1/media/${medium.id}/revert`)) }, "Undo last edit");
  const editing = canManage
    ? h("fieldset", { class: "details-edits" }, h("legend", {}, "Edit the picture"), h("div", { class: "row" }, editButtons, undo), busy, editFeedback)
    : null;

  // While an edit runs the buttons only say they are busy (aria-disabled):
  // really disabling the pressed button would throw keyboard focus out of it.
  let working = false;
  function setEditing(on) {
    working = on;
    for (const b of [...editButtons, undo]) b.setAttribute("aria-disabled", on ? "true" : "false");
    const focused = document.activeElement === undo;
    undo.disabled = !medium.previous_versions;
    undo.title = medium.previous_versions ? "" : "There is no edit to undo.";
    if (focused && undo.disabled) editButtons[0].focus();
  }

  async function runEdit(name, call) {
    if (working) return;
    setEditing(true);
    say(editFeedback, null);
    busy.textContent = `${name}: working…`;
    try {
      // The answer carries the stored alt text and caption; the fields keep
      // whatever is being typed.
      medium = await call();
      grid.update(medium);
      paintPreview();
      busy.textContent = `${name}: done.`;
    } catch (error) {
      busy.textContent = "";
      say(editFeedback, error.message);
    } finally {
      setEditing(false);
    }
  }

  // Copy reference: the Markdown a post uses to show this image.
  async function copyReference() {
    const text = referenceFor(medium, canManage ? alt.value : medium.alt);
    referenceBox.value = text;
    try {
      await navigator.clipboard.writeText(text);
      referenceBox.hidden = true;
      copyStatus.className = "notice";
      copyStatus.textContent = `Copied ${text}`;
    } catch {
      // No clipboard here (plain http, or permission refused): show it, selected, to copy by hand.
      referenceBox.hidden = false;
      referenceBox.select();
      copyStatus.className = "muted";
      copyStatus.textContent = "The browser didn't allow copying. The reference is selected below: press Ctrl+C (⌘C on a Mac).";
    }
  }
  const copyStatus = h("p", { role: "status" });
  const referenceBox = h("input", { type: "text", readonly: true, class: "reference-box", "aria-label": "Reference to paste into a post" });
  referenceBox.hidden = true;

  /** Where the picture shows, from posts: the posts the viewer may see, and how many others. */
  async function whereShown() {
    try {
      return await api("GET", `/api/v1/media/${medium.id}/posts`);
    } catch {
      return null;
    }
  }
  const usedIn = h("div", { class: "details-used" }, h("p", { class: "muted" }, "Looking for posts that show it…"));
  whereShown().then((shown) => {
    if (!shown) return usedIn.replaceChildren(h("p", { class: "muted" }, "Which posts show it can't be said right now."));
    const count = shown.posts.length + shown.others;
    if (count === 0) return usedIn.replaceChildren(h("p", {}, h("span", { class: "label" }, "Used in: "), "no post yet."));
    usedIn.replaceChildren(
      h("p", {}, h("span", { class: "label" }, "Used in: "), `${count} ${count === 1 ? "post" : "posts"}`),
      h("ul", { class: "details-used-list" }, shown.posts.map((p) => h("li", {}, h("a", { href: `#/posts/${p.id}` }, p.title), p.status === "published" ? null : h("span", { class: "muted" }, ` (${p.status})`)))),
      ...(shown.others ? [h("p", { class: "muted" }, `and ${shown.others} you can't see.`)] : []),
    );
  });

  async function remove() {
    const shown = await whereShown();
    const titles = shown ? shown.posts.map((p) => `“${p.title}”`) : [];
    const count = shown ? shown.posts.length + shown.others : null;
    const warning = count === null
      ? "Posts that show it will say “Missing image” in its place."
      : count === 0
        ? "No post shows it."
        : `It shows in ${count} ${count === 1 ? "post" : "posts"}${titles.length ? `: ${titles.slice(0, 5).join(", ")}${titles.length > 5 || shown.others ? ", and more" : ""}` : ""}. ${count === 1 ? "It" : "They"} will say “Missing image” in its place.`;
    const sure = await confirmDialog(`Delete ${medium.file_name}? ${warning}`, "Delete");
    if (!sure) return;
    try {
      await api("DELETE", `/api/v1/media/${medium.id}`);
      const next = grid.neighbourOf(medium.id);
      grid.remove(medium.id);
      focusAfter = next;
      closeNow();
      toast(`Deleted ${medium.file_name}.`);
    } catch (error) {
      say(editFeedback, error.message);
    }
  }

  const close = h("button", { type: "button", class: "secondary", onclick: () => requestClose() }, "Close");
  const dialog = h(
    "dialog",
    { class: "media-details", "aria-labelledby": headingId },
    h(
      "div",
      { class: "spread details-head" },
      h("h2", { id: headingId }, medium.file_name),
      close,
    ),
    h(
      "div",
      { class: "details-body" },
      h("div", { class: "details-picture" }, preview, facts),
      h(
        "div",
        { class: "details-side" },
        form,
        editing,
        h(
          "div",
          { class: "row details-actions" },
          h("button", { type: "button", class: "secondary", onclick: copyReference }, "Copy reference"),
          canManage ? h("button", { type: "button", class: "danger", onclick: remove }, "Delete") : null,
        ),
        copyStatus,
        referenceBox,
        usedIn,
      ),
    ),
  );

  let focusAfter = opener;
  function closeNow() {
    dialog.close();
  }
  async function requestClose() {
    if (dirty() && !(await confirmDialog("Discard your changes to the alt text and caption?", "Discard"))) return;
    closeNow();
  }
  dialog.addEventListener("cancel", (event) => {
    // Escape asks first when typing would be lost.
    if (dirty()) {
      event.preventDefault();
      requestClose();
    }
  });
  dialog.addEventListener("close", () => {
    if (detailsDirty === dirty) detailsDirty = null;
    dialog.remove();
    const target = focusAfter && focusAfter.isConnected ? focusAfter : grid.buttonFor(medium.id) || fallback;
    if (target) target.focus();
  });

  paintPreview();
  if (canManage) setEditing(false);
  detailsDirty = dirty;
  document.body.append(dialog);
  dialog.showModal();
  (canManage ? alt : close).focus();
}

// ---------------------------------------------------------------------------
// The picker the post editor opens for "Insert image" and "Choose feature image".

/**
 * Opens a modal to choose (or upload, then choose) an image. Resolves to the
 * medium's JSON, or null when the person cancels or presses Escape.
 */
export function pickMedium(ctx, { title = "Choose an image" } = {}) {
  return new Promise((resolve) => {
    let chosen = null;
    const headingId = nextId("picker");
    let grid;
    const uploader = createUploader({
      onUploaded: (medium) => {
        grid.prepend(medium);
        const button = grid.buttonFor(medium.id);
        // What was just uploaded is what the writer wants next: focus it, so
        // Enter chooses it (not Cancel, which held the focus before).
        if (button) button.focus();
      },
    });
    grid = createGrid(ctx, {
      label: (m) => `Choose ${m.alt || m.file_name}`,
      onActivate: (medium) => {
        chosen = medium;
        dialog.close();
      },
      emptyText: "No images yet. Upload one above, then choose it.",
    });
    const dialog = h(
      "dialog",
      { class: "media-picker", "aria-labelledby": headingId },
      h(
        "div",
        { class: "spread picker-head" },
        h("h2", { id: headingId }, title),
        h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, "Cancel"),
      ),
      uploader.element,
      grid.controls,
      grid.feedback,
      grid.empty,
      grid.list,
      h("div", { class: "row media-more" }, grid.more),
    );
    swallowStrayDrops(dialog);
    dialog.addEventListener("close", () => {
      uploader.destroy();
      dialog.remove();
      resolve(chosen);
    });
    document.body.append(dialog);
    dialog.showModal();
    grid.reload();
  });
}

/**
 * Asks for the words of a picture about to go into a post: its alt text and
 * caption, prefilled from the medium. Pages take them from the medium when
 * served, so what is typed here is saved on the medium (when the writer may
 * change it) and reaches every post showing it. Resolves to `{ alt, caption }`
 * or null when cancelled.
 */
export function describeForPost(ctx, medium) {
  return new Promise((resolve) => {
    const headingId = nextId("describe");
    const alt = h("textarea", { rows: 2, maxlength: "1000", name: "alt" });
    alt.value = medium.alt || "";
    const caption = h("textarea", { rows: 2, maxlength: "2000", name: "caption" });
    caption.value = medium.caption || "";
    const feedback = h("div", { class: "feedback" });
    const canManage = mayManage(ctx, medium);
    let answer = null;
    const form = h(
      "form",
      { novalidate: true, onsubmit: insert },
      field("Alt text", alt, "What the picture shows, for people who can't see it. Leave it empty only for a purely decorative picture."),
      field("Caption", caption, "Shown under the picture. Optional."),
      canManage ? null : h("p", { class: "hint" }, "This picture is someone else's: its words in the library stay as they are; yours go into this post."),
      feedback,
      h("div", { class: "row end" },
        h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, "Cancel"),
        h("button", { type: "submit", class: "primary" }, "Insert")),
    );
    const dialog = h("dialog", { class: "describe-picture", "aria-labelledby": headingId }, h("h2", { id: headingId }, `Describe ${medium.file_name || "the picture"}`), form);

    async function insert(event) {
      event.preventDefault();
      const words = { alt: alt.value.replace(/\s+/g, " ").trim(), caption: caption.value.trim() };
      if (canManage && (words.alt !== (medium.alt || "") || words.caption !== (medium.caption || ""))) {
        try {
          await api("PATCH", `/api/v1/media/${medium.id}`, words);
        } catch (error) {
          say(feedback, error.message);
          return;
        }
      }
      answer = words;
      dialog.close();
    }
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    alt.focus();
    alt.select();
  });
}
