// Small DOM helpers every screen shares: building elements, toasts, confirmation, dates.

/**
 * `h("button", {class: "primary", onclick: save}, "Save")`. Attributes starting
 * with `on` become listeners; `false`/`null` attributes are left out; children
 * may be strings, nodes, arrays or null. Text is always text: never parsed as HTML.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key in el && typeof value !== "string") {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : value);
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Shows a short message; `kind` is "ok" or "error". Errors stay until dismissed. */
export function toast(message, kind = "ok") {
  const box = document.getElementById("toasts");
  const item = h(
    "div",
    { class: `toast ${kind}`, role: kind === "error" ? "alert" : null },
    h("span", {}, message),
    h("button", { type: "button", class: "link", "aria-label": "Dismiss", onclick: () => item.remove() }, "×"),
  );
  box.append(item);
  if (kind !== "error") setTimeout(() => item.remove(), 4000);
  return item;
}

/** An inline message inside a form, replacing the previous one. */
export function say(container, message, kind = "error") {
  container.replaceChildren();
  if (!message) return;
  container.append(h("p", { class: kind === "error" ? "error" : "notice", role: kind === "error" ? "alert" : "status" }, message));
}

/** A modal question; resolves true when confirmed. Uses <dialog> for focus handling. */
export function confirmDialog(question, confirmLabel = "Delete") {
  return new Promise((resolve) => {
    const dialog = h(
      "dialog",
      { class: "confirm", "aria-label": question },
      h("p", {}, question),
      h(
        "div",
        { class: "row end" },
        h("button", { type: "button", class: "secondary", value: "no", onclick: () => dialog.close("no") }, "Cancel"),
        h("button", { type: "button", class: "danger", value: "yes", onclick: () => dialog.close("yes") }, confirmLabel),
      ),
    );
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "yes");
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

export function formatDate(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** A labelled form field: `field("Title", h("input", {...}))` → label + control, wired by id. */
let fieldCounter = 0;
export function field(label, control, hint) {
  const id = control.id || `f${++fieldCounter}`;
  control.id = id;
  const hintEl = hint ? h("small", { class: "hint", id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hintEl);
}
