// The editor's writing aids around its Markdown textarea: the formatting toolbar and its
// shortcuts, images pasted or dropped in (uploaded, then referenced), the word count,
// and the distraction-free mode.

import { upload } from "./api.js";
import { h, toast } from "./ui.js";

const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif"];
// As the public site computes its "N min read" (gateway/src/site.rs).
const WORDS_PER_MINUTE = 230;

/** Words as the posts concern counts them: runs of non-space. */
export function countWords(text) {
  const words = text.split(/\s+/).filter(Boolean);
  return words.length;
}

/** "photo_of-the harbour.jpg" → "photo of the harbour": a start for the alt text. */
export function altFromFileName(name) {
  const words = (name || "")
    .replace(/\.[a-z0-9]+$/i, "")
    .replace(/[-_.]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return (words || "Image").replace(/([\\[\]])/g, "\\$1");
}

/**
 * Replaces `start..end` of the textarea with `text` and selects `select` (offsets within
 * `text`, or the end). insertText keeps the browser's undo history and fires `input`,
 * which autosave, dirty-tracking and the preview listen to; setRangeText is the fallback.
 */
export function replaceRange(textarea, start, end, text, select = [text.length, text.length]) {
  textarea.focus();
  textarea.setSelectionRange(start, end);
  const inserted = document.execCommand && document.execCommand("insertText", false, text);
  if (!inserted || textarea.value.slice(start, start + text.length) !== text) {
    textarea.setRangeText(text, start, end, "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }
  textarea.setSelectionRange(start + select[0], start + select[1]);
}

/** Wraps the selection in `mark` (or unwraps it); with nothing selected, a selected `placeholder`. */
function wrap(textarea, mark, placeholder) {
  const { selectionStart: start, selectionEnd: end, value } = textarea;
  const selected = value.slice(start, end);
  const before = value.slice(Math.max(0, start - mark.length), start);
  const after = value.slice(end, end + mark.length);
  if (selected && before === mark && after === mark) {
    // Already wrapped: pressing again takes the marks away.
    replaceRange(textarea, start - mark.length, end + mark.length, selected, [0, selected.length]);
    return;
  }
  if (selected.length > 2 * mark.length && selected.startsWith(mark) && selected.endsWith(mark)) {
    const inner = selected.slice(mark.length, -mark.length);
    replaceRange(textarea, start, end, inner, [0, inner.length]);
    return;
  }
  // Spaces at the edges stay outside: `** bold**` is not bold in Markdown.
  const lead = selected.match(/^\s*/)[0];
  const trail = selected.slice(lead.length).match(/\s*$/)[0];
  const core = selected.slice(lead.length, selected.length - trail.length) || placeholder;
  const text = `${lead}${mark}${core}${mark}${trail}`;
  const from = lead.length + mark.length;
  replaceRange(textarea, start, end, text, [from, from + core.length]);
}

/** The whole lines the selection touches: [start, end) offsets. */
function lineSpan(textarea) {
  const { selectionStart: start, selectionEnd: end, value } = textarea;
  const from = value.lastIndexOf("\n", start - 1) + 1;
  // A selection ending at the start of a line does not take that line in.
  const last = end > start && value[end - 1] === "\n" ? end - 1 : end;
  const newline = value.indexOf("\n", last);
  return [from, newline === -1 ? value.length : newline];
}

/**
 * Gives every touched line `prefix` (a function of the line's index for numbered
 * things), or takes it away when every non-empty line has it already.
 */
function prefixLines(textarea, prefix, strip) {
  const [from, to] = lineSpan(textarea);
  const lines = textarea.value.slice(from, to).split("\n");
  const filled = lines.filter((line) => line.trim());
  const every = filled.length > 0 && filled.every((line) => strip.test(line));
  const changed = lines.map((line) => {
    if (every) return line.replace(strip, "");
    if (!line.trim() && lines.length > 1) return line;
    return prefix + line.replace(strip, "");
  });
  const text = changed.join("\n");
  // The lines stay selected, so the next press (or a second format) acts on them again.
  replaceRange(textarea, from, to, text, [0, text.length]);
}

function heading(textarea) {
  prefixLines(textarea, "## ", /^#{1,6}\s+/);
}

function list(textarea) {
  prefixLines(textarea, "- ", /^\s*[-*+]\s+/);
}

function quote(textarea) {
  prefixLines(textarea, "> ", /^>\s?/);
}

function code(textarea) {
  const { selectionStart: start, selectionEnd: end, value } = textarea;
  const selected = value.slice(start, end);
  if (selected.includes("\n")) {
    // Several lines: a fenced block, on lines of its own.
    const [from, to] = lineSpan(textarea);
    const body = value.slice(from, to);
    const fenced = /^```[^\n]*\n[\s\S]*\n```$/.test(body);
    if (fenced) {
      const inner = body.replace(/^```[^\n]*\n/, "").replace(/\n```$/, "");
      replaceRange(textarea, from, to, inner, [0, inner.length]);
    } else {
      const text = "```\n" + body + "\n```";
      replaceRange(textarea, from, to, text, [4, 4 + body.length]);
    }
    return;
  }
  wrap(textarea, "`", "code");
}

function link(textarea) {
  const { selectionStart: start, selectionEnd: end, value } = textarea;
  const selected = value.slice(start, end).trim();
  if (/^(https?:\/\/|mailto:|\/)\S*$/i.test(selected)) {
    // An address was selected: it becomes the target, and the words are to write.
    const text = `[link text](${selected})`;
    replaceRange(textarea, start, end, text, [1, 10]);
    return;
  }
  const label = (selected || "link text").replace(/([\\[\]])/g, "\\$1");
  const text = `[${label}](https://)`;
  // The address is what is missing: it is selected, ready to be typed over.
  const from = label.length + 3;
  replaceRange(textarea, start, end, text, [from, from + "https://".length]);
}

/**
 * `text` placed at `start..end` as a block of its own: blank lines before and after,
 * however much of them the neighbours already give. Answers the text to insert and
 * where `text` starts in it.
 */
export function asBlock(value, start, end, text) {
  const before = value.slice(0, start);
  const after = value.slice(end);
  const lead = before === "" ? "" : before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
  const trail = after.startsWith("\n\n") ? "" : after.startsWith("\n") ? "\n" : "\n\n";
  return { text: lead + text + trail, offset: lead.length };
}

/**
 * Builds the toolbar for `textarea`. `imageButton` and `postLinkButton` are buttons the
 * editor owns (insert an image from the library, link to a post), placed among the
 * tools. Returns `{ toolbar, focusButton, uploads, counter, destroy }` to place around
 * the textarea (the distraction-free toggle is not a formatting tool: it sits apart).
 */
export function createToolbar(textarea, { imageButton, postLinkButton, onFocusMode } = {}) {
  const mac = /Mac|iPhone|iPad/.test(navigator.platform || "");
  const key = (letter) => `${mac ? "Meta" : "Control"}+${letter}`;
  const hint = (letter) => `${mac ? "⌘" : "Ctrl+"}${letter}`;

  const tool = (label, glyph, action, letter, extraClass = "") => {
    const button = h(
      "button",
      {
        type: "button",
        class: `tool ${extraClass}`.trim(),
        "aria-label": label,
        title: letter ? `${label} (${hint(letter)})` : label,
        "aria-keyshortcuts": letter ? key(letter) : null,
        // Keeps the textarea's selection: a click on the button would otherwise take focus first.
        onmousedown: (event) => event.preventDefault(),
        onclick: () => act(action),
      },
      glyph,
    );
    return button;
  };

  function act(action) {
    if (textarea.readOnly) return;
    action(textarea);
  }

  const focusButton = h(
    "button",
    {
      type: "button",
      class: "secondary small tool-focus",
      "aria-pressed": "false",
      title: "Distraction-free writing (Esc leaves)",
      onclick: () => setFocusMode(!focused),
    },
    "Focus",
  );
  focusButton.setAttribute("aria-label", "Focus mode: distraction-free writing");

  if (imageButton) {
    imageButton.classList.add("tool");
    imageButton.onmousedown = (event) => event.preventDefault();
  }
  if (postLinkButton) postLinkButton.classList.add("tool");

  const toolbar = h(
    "div",
    { class: "md-toolbar", role: "toolbar", "aria-label": "Formatting", "aria-controls": textarea.id },
    h("div", { class: "md-tools" },
      tool("Bold", h("b", { "aria-hidden": "true" }, "B"), (t) => wrap(t, "**", "bold text"), "B"),
      tool("Italic", h("i", { "aria-hidden": "true" }, "I"), (t) => wrap(t, "_", "italic text"), "I"),
      tool("Link", h("span", { "aria-hidden": "true", class: "tool-link" }, "Link"), link, "K"),
      tool("Heading", h("span", { "aria-hidden": "true" }, "H"), heading),
      tool("Bulleted list", h("span", { "aria-hidden": "true" }, "• List"), list),
      tool("Quote", h("span", { "aria-hidden": "true" }, "“ ”"), quote),
      tool("Code", h("span", { "aria-hidden": "true", class: "tool-code" }, "</>"), code),
      imageButton || null,
      postLinkButton || null,
    ),
  );
  // One tab stop for the whole toolbar; arrows move within it (the ARIA toolbar pattern).
  const buttons = () => [...toolbar.querySelectorAll("button")].filter((b) => !b.hidden);
  buttons().forEach((b, i) => (b.tabIndex = i === 0 ? 0 : -1));
  toolbar.addEventListener("keydown", (event) => {
    if (!["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
    const all = buttons();
    const at = all.indexOf(document.activeElement);
    if (at === -1) return;
    event.preventDefault();
    const next = event.key === "Home" ? 0 : event.key === "End" ? all.length - 1 : (at + (event.key === "ArrowRight" ? 1 : -1) + all.length) % all.length;
    all.forEach((b) => (b.tabIndex = -1));
    all[next].tabIndex = 0;
    all[next].focus();
  });
  toolbar.addEventListener("focusin", (event) => {
    if (!(event.target instanceof HTMLButtonElement)) return;
    buttons().forEach((b) => (b.tabIndex = b === event.target ? 0 : -1));
  });

  // ---- Shortcuts in the textarea ----
  const SHORTCUTS = { b: (t) => wrap(t, "**", "bold text"), i: (t) => wrap(t, "_", "italic text"), k: link };
  function onKey(event) {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
    const action = SHORTCUTS[event.key.toLowerCase()];
    if (!action) return;
    event.preventDefault();
    act(action);
  }
  textarea.addEventListener("keydown", onKey);

  // ---- Word count and reading time ----
  const counter = h("p", { class: "md-count muted", id: `${textarea.id}-count` });
  function count() {
    const words = countWords(textarea.value);
    const minutes = Math.max(1, Math.ceil(words / WORDS_PER_MINUTE));
    const text = `${words.toLocaleString("en")} word${words === 1 ? "" : "s"} · ${minutes} min read`;
    if (counter.textContent !== text) counter.textContent = text;
  }
  textarea.addEventListener("input", count);
  count();

  // ---- Images pasted or dropped into the text ----
  const uploads = h("ul", { class: "md-uploads", "aria-label": "Image uploads", "aria-live": "polite" });
  uploads.hidden = true;
  let alive = true;

  function imagesIn(transfer) {
    return transfer ? [...(transfer.files || [])].filter((file) => IMAGE_TYPES.includes(file.type)) : [];
  }

  function onPaste(event) {
    const files = imagesIn(event.clipboardData);
    if (!files.length || textarea.readOnly) return;
    event.preventDefault();
    for (const file of files) uploadInto(file);
  }
  function onDragOver(event) {
    if (textarea.readOnly || !event.dataTransfer || ![...event.dataTransfer.types].includes("Files")) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  }
  function onDrop(event) {
    const files = imagesIn(event.dataTransfer);
    if (!files.length || textarea.readOnly) return;
    event.preventDefault();
    for (const file of files) uploadInto(file);
  }
  textarea.addEventListener("paste", onPaste);
  textarea.addEventListener("dragover", onDragOver);
  textarea.addEventListener("drop", onDrop);

  let uploadCount = 0;
  /**
   * Marks the spot with a line of text (replaced once the image is stored, so typing
   * meanwhile moves nothing), uploads the file with a progress bar, then writes the
   * reference with its alt text selected, to be typed over.
   */
  async function uploadInto(file) {
    const name = file.name || `pasted-image.${(file.type.split("/")[1] || "png").replace("jpeg", "jpg")}`;
    const marker = `[Uploading ${name.replace(/[[\]]/g, "")} (${++uploadCount})…]`;
    const { selectionStart: start, selectionEnd: end, value } = textarea;
    const block = asBlock(value, start, end, marker);
    replaceRange(textarea, start, end, block.text, [block.offset + marker.length, block.offset + marker.length]);
    const caretAfterMarker = textarea.selectionEnd;

    const progress = h("progress", { max: "1", value: "0", "aria-label": `Uploading ${name}` });
    const state = h("span", { class: "muted" }, "Uploading…");
    const row = h("li", { class: "md-upload" }, h("span", { class: "md-upload-name" }, name), progress, state);
    uploads.append(row);
    uploads.hidden = false;
    const done = () => {
      row.remove();
      if (!uploads.children.length) uploads.hidden = true;
    };

    const form = new FormData();
    form.append("file", file, name);
    try {
      const medium = await upload("/api/v1/media", form, (fraction) => {
        if (fraction >= 1) {
          // Sent; the server now makes the variants.
          progress.removeAttribute("value");
          state.textContent = "Processing…";
        } else {
          progress.value = fraction;
        }
      });
      if (!alive) return;
      const alt = altFromFileName(name);
      const reference = `![${alt}](media:${medium.id})`;
      const at = textarea.value.indexOf(marker);
      if (at === -1) {
        // The writer deleted the marker meanwhile: the image goes where the cursor is.
        const here = asBlock(textarea.value, textarea.selectionStart, textarea.selectionEnd, reference);
        replaceRange(textarea, textarea.selectionStart, textarea.selectionEnd, here.text, [here.offset + 2, here.offset + 2 + alt.length]);
      } else {
        const untouched = textarea.selectionStart === caretAfterMarker && textarea.selectionEnd === caretAfterMarker && document.activeElement === textarea;
        const keep = [textarea.selectionStart, textarea.selectionEnd];
        const shift = reference.length - marker.length;
        replaceRange(textarea, at, at + marker.length, reference, [2, 2 + alt.length]);
        // Alt text selected to be typed over, unless the writer moved on: then their place is kept.
        if (!untouched) textarea.setSelectionRange(...keep.map((p) => (p > at ? p + shift : p)));
      }
      done();
      toast(`${name} uploaded. Describe it in the alt text.`);
    } catch (error) {
      if (!alive) return;
      const at = textarea.value.indexOf(marker);
      if (at !== -1) {
        const keep = [textarea.selectionStart, textarea.selectionEnd];
        replaceRange(textarea, at, at + marker.length, "");
        textarea.setSelectionRange(...keep.map((p) => (p > at ? Math.max(at, p - marker.length) : p)));
      }
      progress.hidden = true;
      state.className = "error";
      state.textContent = error.message;
      row.append(h("button", { type: "button", class: "link small", onclick: done }, "Dismiss"));
    }
  }

  // ---- Distraction-free mode ----
  let focused = false;
  function setFocusMode(on) {
    focused = on;
    document.body.classList.toggle("editor-focus", on);
    focusButton.setAttribute("aria-pressed", String(on));
    if (onFocusMode) onFocusMode(on);
    textarea.focus();
  }
  function onEscape(event) {
    if (!focused || event.key !== "Escape" || document.querySelector("dialog[open]")) return;
    event.preventDefault();
    setFocusMode(false);
    focusButton.focus();
  }
  document.addEventListener("keydown", onEscape);

  return {
    toolbar,
    focusButton,
    uploads,
    counter,
    recount: count,
    destroy() {
      alive = false;
      document.removeEventListener("keydown", onEscape);
      document.body.classList.remove("editor-focus");
    },
  };
}
