// The admin UI's shell: who is signed in, the navigation, and the router that
// hands `#/…` routes to one screen module each (posts.js, editor.js, media.js,
// people.js, profile.js, tags.js, tokens.js, settings.js, redirects.js, imports.js, status.js).
//
// A screen module exports `render(main, ctx, params)` (`params.query` holds the
// hash's `?…` part as URLSearchParams); it may return a function
// the router calls before leaving the screen (to stop polling, say), and may set
// `ctx.leaveGuard = () => "question"` to ask before the user leaves unsaved work.

import { api, setCsrf, onUnauthenticated } from "./api.js";
import { h, toast, field, say, setSiteZone } from "./ui.js";

const RANKS = ["contributor", "author", "editor", "administrator", "owner"];

/** Whether `role` is at least `minimum` in the one ordering of roles. */
export function atLeast(role, minimum) {
  return RANKS.indexOf(role) >= RANKS.indexOf(minimum);
}

const ctx = {
  me: null,
  leaveGuard: null,
  /** What the signed-in person may do, by the README's permission table. */
  can(action) {
    const role = ctx.me ? ctx.me.role : null;
    switch (action) {
      case "publish": return atLeast(role, "author");
      case "edit_any": return atLeast(role, "editor");
      case "manage_all_media": return atLeast(role, "editor");
      case "manage_people": return atLeast(role, "administrator");
      case "settings": return atLeast(role, "administrator");
      default: return false;
    }
  },
  /** The signed-in person changed their own name: the header shows it at once. */
  refreshWho() {
    renderNav();
  },
  /** Changes the address without leaving the screen (a new post, once saved, gets its id). */
  replaceHash(hash) {
    history.replaceState(null, "", hash);
    currentHash = location.hash;
  },
  navigate(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
};

const ROUTES = [
  { pattern: /^#\/posts\/new$/, module: "./editor.js", params: () => ({ id: null }) },
  { pattern: /^#\/posts\/([0-9a-f-]{36})$/, module: "./editor.js", params: (m) => ({ id: m[1] }) },
  { pattern: /^#\/posts$/, module: "./posts.js" },
  { pattern: /^#\/media$/, module: "./media.js" },
  { pattern: /^#\/tags$/, module: "./tags.js", needs: "edit_any" },
  { pattern: /^#\/people$/, module: "./people.js", needs: "manage_people" },
  { pattern: /^#\/tokens$/, module: "./tokens.js" },
  { pattern: /^#\/profile$/, module: "./profile.js" },
  { pattern: /^#\/settings$/, module: "./settings.js", needs: "settings" },
  { pattern: /^#\/redirects$/, module: "./redirects.js", needs: "settings" },
  { pattern: /^#\/import$/, module: "./imports.js", needs: "settings" },
  { pattern: /^#\/status$/, module: "./status.js", needs: "settings" },
];

const main = () => document.getElementById("main");
let leaving = null;
let currentHash = null;

function renderNav() {
  const links = [
    ["#/posts", "Posts"],
    ["#/media", "Media"],
    ctx.can("edit_any") ? ["#/tags", "Tags"] : null,
    ctx.can("manage_people") ? ["#/people", "People"] : null,
    ["#/tokens", "API tokens"],
    ctx.can("settings") ? ["#/settings", "Settings"] : null,
    ctx.can("settings") ? ["#/redirects", "Redirects"] : null,
    ctx.can("settings") ? ["#/import", "Import and export"] : null,
    ctx.can("settings") ? ["#/status", "System status"] : null,
  ].filter(Boolean);
  const here = location.hash.split("?")[0].split("/").slice(0, 2).join("/");
  document.getElementById("nav").replaceChildren(
    h("ul", {}, links.map(([href, label]) =>
      h("li", {}, h("a", { href, "aria-current": href === here ? "page" : null }, label)))),
  );
  document.getElementById("who").replaceChildren(
    h("a", { href: "#/profile", class: "muted", title: "Your profile and password", "aria-current": here === "#/profile" ? "page" : null }, `${ctx.me.name} · ${ctx.me.role}`),
    h("a", { href: "/", class: "muted" }, "View site"),
    h("button", { type: "button", class: "secondary small", onclick: signOut }, "Sign out"),
  );
  const topbar = document.getElementById("topbar");
  // On a phone the sections fold behind a Menu button (admin.css); each visit folds them again.
  topbar.classList.remove("open");
  let toggle = topbar.querySelector(".menu-toggle");
  if (!toggle) {
    toggle = h("button", {
      type: "button",
      class: "secondary small menu-toggle",
      "aria-controls": "nav who",
      onclick: () => {
        const open = topbar.classList.toggle("open");
        toggle.setAttribute("aria-expanded", String(open));
      },
    }, "Menu");
    topbar.querySelector(".brand").after(toggle);
    // Escape folds an open menu and gives focus back to its button.
    topbar.addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || !topbar.classList.contains("open")) return;
      topbar.classList.remove("open");
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    });
  }
  toggle.setAttribute("aria-expanded", "false");
  topbar.hidden = false;
}

// The bars that stay on screen (the top bar; a screen's bottom bar, such as the editor's Save bar)
// are as tall as their contents make them: their heights feed admin.css's scroll padding, so a
// focused control is scrolled clear of them, never left underneath.
const barSizes = new ResizeObserver(() => {
  const root = document.documentElement.style;
  const topbar = document.getElementById("topbar");
  root.setProperty("--topbar-height", `${topbar.hidden ? 0 : topbar.offsetHeight}px`);
  const bottom = document.querySelector(".editor-actions");
  root.setProperty("--bottombar-height", `${bottom && bottom.isConnected && !bottom.hidden ? bottom.offsetHeight : 0}px`);
});
barSizes.observe(document.getElementById("topbar"));
// Chromium scrolls a focused control into view only when it is wholly off screen, and then
// ignores the scroll padding: one Tab can leave a control half under the top bar or the Save
// bar. After each focus, anything under a bar is moved clear of it (a tall text box: its top).
document.addEventListener("focusin", (event) => {
  const el = event.target;
  const topbar = document.getElementById("topbar");
  const bottom = document.querySelector(".editor-actions");
  if (!(el instanceof Element) || topbar.contains(el) || el.closest("dialog") || (bottom && bottom.contains(el))) return;
  requestAnimationFrame(() => {
    if (document.activeElement !== el) return;
    const box = el.getBoundingClientRect();
    const high = topbar.hidden ? 0 : Math.max(topbar.getBoundingClientRect().bottom, 0);
    // The Save bar covers only what comes before it: it sticks to the bottom while its form is on screen.
    const before = bottom && !bottom.hidden && bottom.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING;
    const low = before ? Math.min(bottom.getBoundingClientRect().top, window.innerHeight) : window.innerHeight;
    const gap = 8;
    if (box.top < high + gap || box.height > low - high - 2 * gap) {
      if (box.top < high + gap || box.top > low - 3 * gap) window.scrollBy(0, box.top - high - gap);
    } else if (box.bottom > low - gap) {
      window.scrollBy(0, box.bottom - low + gap);
    }
  });
});

/** After each visit: watch the new screen's bottom bar, if it has one. */
function watchBars() {
  const bottom = document.querySelector(".editor-actions");
  if (bottom) barSizes.observe(bottom);
  else document.documentElement.style.setProperty("--bottombar-height", "0px");
}

async function route() {
  if (!ctx.me) return;
  if (ctx.leaveGuard && currentHash && location.hash !== currentHash) {
    const question = ctx.leaveGuard();
    if (question && !window.confirm(question)) {
      history.replaceState(null, "", currentHash);
      return;
    }
  }
  if (!location.hash || location.hash === "#/" || location.hash === "#") {
    history.replaceState(null, "", "#/posts");
  }
  currentHash = location.hash;
  ctx.leaveGuard = null;
  if (leaving) {
    try { leaving(); } catch { /* a screen's cleanup must not block navigation */ }
    leaving = null;
  }
  renderNav();
  // `#/posts?status=draft`: the part after "?" is the screen's own (filters, say).
  const [path, search = ""] = location.hash.split("?");
  const found = ROUTES.map((r) => ({ r, m: path.match(r.pattern) })).find((x) => x.m);
  // Each visit renders into an element of its own. A screen still loading when the next visit starts (its API
  // call under way) then finishes into its own element, no longer in the page, never over the newer screen:
  // a link followed right after another used to show the older screen.
  const target = h("div", { class: "screen" });
  main().replaceChildren(target);
  if (!found || (found.r.needs && !ctx.can(found.r.needs))) {
    target.replaceChildren(h("h1", {}, "Not found"), h("p", {}, "There is no such page here, or it isn't yours to see."), h("a", { href: "#/posts" }, "Go to posts"));
    return;
  }
  target.replaceChildren(h("p", { class: "muted" }, "Loading…"));
  try {
    const screen = await import(found.r.module);
    const params = { ...(found.r.params ? found.r.params(found.m) : {}), query: new URLSearchParams(search) };
    const cleanup = await screen.render(target, ctx, params);
    if (!target.isConnected) {
      // A newer visit replaced this one while it loaded: it stops now, and its cleanup is not the newer one's.
      if (typeof cleanup === "function") cleanup();
      return;
    }
    if (typeof cleanup === "function") leaving = cleanup;
    watchBars();
    const heading = target.querySelector("h1");
    if (heading) document.title = `${heading.textContent} · Folio admin`;
  } catch (error) {
    target.replaceChildren(h("h1", {}, "This page could not be shown"), h("p", { class: "error", role: "alert" }, error.message || String(error)));
  }
}

function signInScreen(message) {
  ctx.me = null;
  const notice = message ? h("p", { class: "notice", role: "status" }, message) : null;
  // Before the first account exists, there is nothing to sign in with yet.
  const setupHint = h("div", {});
  api("GET", "/api/v1/site").then((site) => {
    if (!site.needs_setup) return;
    setupHint.replaceChildren(h("div", { class: "notice", role: "note" },
      h("p", {}, h("strong", {}, "This site has no account yet. "), "When Folio started it printed a one-time setup link in its log:"),
      h("p", {}, h("code", {}, "No account exists yet. Open http://…/setup/… to create the owner's account")),
      h("p", {}, "Open that link to name the site and create the owner's account. Restarting Folio prints a new one; or create the owner from the command line with ", h("code", {}, "folio user add --role owner"), ".")));
  }).catch(() => {});
  document.getElementById("topbar").hidden = true;
  const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true });
  const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const feedback = h("div", { class: "feedback" });
  const button = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h(
    "form",
    {
      class: "card narrow",
      onsubmit: async (event) => {
        event.preventDefault();
        button.disabled = true;
        say(feedback, null);
        // A new attempt's answer replaces what was said before ("You are signed out").
        notice?.remove();
        try {
          const signedIn = await api("POST", "/api/v1/session", { email: email.value, password: password.value });
          setCsrf(signedIn.csrf_token);
          ctx.me = signedIn.user;
          await loadSite();
          route();
        } catch (error) {
          say(feedback, error.status === 401 ? "That email and password don't match an account." : error.message);
          password.select();
        } finally {
          button.disabled = false;
        }
      },
    },
    h("h1", {}, "Sign in to Folio"),
    notice,
    setupHint,
    field("Email", email),
    field("Password", password),
    feedback,
    button,
  );
  main().replaceChildren(form);
  document.title = "Sign in · Folio admin";
  email.focus();
}

async function signOut() {
  try {
    await api("DELETE", "/api/v1/session");
  } catch (error) {
    toast(error.message, "error");
  }
  setCsrf(null);
  signInScreen("You are signed out.");
}

onUnauthenticated(() => {
  if (ctx.me) signInScreen("Your session has ended. Sign in again; nothing on this page was saved.");
});

// The page's "Skip to content" link points at #main, which the router would take for a route.
document.querySelector(".skip").addEventListener("click", (event) => {
  event.preventDefault();
  main().focus();
});

window.addEventListener("hashchange", route);
window.addEventListener("beforeunload", (event) => {
  if (ctx.leaveGuard && ctx.leaveGuard()) event.preventDefault();
});

/** The site's timezone, which every date in the admin is shown in. */
async function loadSite() {
  try {
    const site = await api("GET", "/api/v1/site");
    setSiteZone(site.timezone);
  } catch {
    // Dates then show in the browser's timezone; nothing else depends on it.
  }
}
ctx.reloadSite = loadSite;

async function start() {
  try {
    const me = await api("GET", "/api/v1/me");
    setCsrf(me.csrf_token);
    ctx.me = me.user;
    await loadSite();
    route();
  } catch (error) {
    signInScreen(error.status === 401 ? null : error.message);
  }
}

start();
