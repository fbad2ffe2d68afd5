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

// The site's timezone (Settings): every date in the admin is its local time,
// as on the public site. Until it is known, the browser's.
let siteZone;

/** Called once the site's settings are read (and after they change). */
export function setSiteZone(zone) {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    siteZone = zone;
  } catch {
    siteZone = undefined;
  }
}

/** The site's timezone by name (Europe/Paris), for hints beside times. */
export function siteZoneName() {
  return siteZone || Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

export function formatDate(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  // Away from the site's timezone, say which one the time is in.
  const shown = date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short", timeZone: siteZone });
  if (!siteZone || siteZone === browserZone()) return shown;
  // (dateStyle can't be combined with timeZoneName: the zone's short name apart.)
  const zone = new Intl.DateTimeFormat(undefined, { timeZone: siteZone, timeZoneName: "short" }).formatToParts(date).find((part) => part.type === "timeZoneName");
  return zone ? `${shown} ${zone.value}` : shown;
}

/** The wall-clock reading of `date` in the site's timezone, as numbers. */
function wallClock(date) {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: siteZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(date);
  const n = (type) => Number(parts.find((p) => p.type === type).value);
  return { year: n("year"), month: n("month"), day: n("day"), hour: n("hour"), minute: n("minute"), second: n("second") };
}

const pad2 = (n) => String(n).padStart(2, "0");

/** An instant as a `datetime-local` value in the site's timezone. */
export function toSiteInput(iso) {
  if (!iso) return "";
  const w = wallClock(new Date(iso));
  return `${w.year}-${pad2(w.month)}-${pad2(w.day)}T${pad2(w.hour)}:${pad2(w.minute)}`;
}

/** The instant a `datetime-local` value names in the site's timezone (an invalid Date when it names none). */
export function fromSiteInput(value) {
  const asUtc = new Date(`${value}:00Z`);
  if (Number.isNaN(asUtc.getTime())) return asUtc;
  // The zone's offset at that moment, measured twice: near a daylight-saving
  // change the first guess can be an hour out.
  const offsetAt = (date) => {
    const w = wallClock(date);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - date.getTime();
  };
  let instant = new Date(asUtc.getTime() - offsetAt(asUtc));
  instant = new Date(asUtc.getTime() - offsetAt(instant));
  return instant;
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
