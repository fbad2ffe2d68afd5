// The site's settings (#/settings, administrators and the owner): its title, description and language; its
// timezone, date format and posts per page; its accent colour; its two menus (the header's and the
// footer's); its accounts elsewhere; and code added to every page. All shown on every public page and feed
// at once.

import { api } from "./api.js";
import { h, toast, say, field, setSiteZone } from "./ui.js";
import { pickPost } from "./links.js";
import { pickMedium } from "./media.js";

const MENU_ITEMS = 20; // MENU_ITEMS in the posts protocol
const SOCIAL_ACCOUNTS = 10; // SOCIAL_ACCOUNTS in the posts protocol
const NETWORKS = [["mastodon", "Mastodon"], ["bluesky", "Bluesky"], ["x", "X"], ["instagram", "Instagram"], ["facebook", "Facebook"], ["linkedin", "LinkedIn"], ["github", "GitHub"], ["youtube", "YouTube"], ["other", "Elsewhere"]];
const DATE_FORMATS = [["day_month_year", "5 December 2026"], ["month_day_year", "December 5, 2026"], ["iso", "2026-12-05"]];
const THEME_ACCENT = "#1a5fb4"; // --accent in static/site.css

/**
 * A card of settings saved together: `body()` gives the fields to PATCH, or
 * null after pointing at what to fix; `saved(settings)` shows what was kept.
 */
function settingsForm(id, heading, intro, fields, buttonLabel, body, saved) {
  const feedback = h("div", { class: "feedback" });
  const button = h("button", { type: "submit", class: "primary" }, buttonLabel);
  const form = h(
    "form",
    { class: "card people-form", novalidate: true, "aria-labelledby": id, onsubmit: onSave },
    h("h2", { id }, heading),
    intro,
    ...fields,
    feedback,
    h("div", { class: "row" }, button),
  );
  async function onSave(event) {
    event.preventDefault();
    say(feedback, null);
    const changes = body((message, control) => {
      say(feedback, message);
      control?.setAttribute("aria-invalid", "true");
      control?.focus();
    });
    if (!changes) return;
    button.disabled = true;
    try {
      const settings = await api("PATCH", "/api/v1/settings", changes);
      form.querySelectorAll("[aria-invalid]").forEach((control) => control.removeAttribute("aria-invalid"));
      saved?.(settings);
      toast(`${heading}: saved. The site shows it now.`);
    } catch (error) {
      say(feedback, error.message);
    } finally {
      button.disabled = false;
    }
  }
  return form;
}

export async function render(main, ctx) {
  const settings = await api("GET", "/api/v1/settings");
  const title = h("input", { type: "text", name: "title", maxlength: "120", required: true, value: settings.applied.title });
  const description = h("input", { type: "text", name: "description", maxlength: "300", value: settings.applied.description });
  const feedback = h("div", { class: "feedback" });
  const saveButton = h("button", { type: "submit", class: "primary" }, "Save settings");
  const form = h(
    "form",
    { class: "card people-form", novalidate: true, "aria-labelledby": "settings-site-h", onsubmit: save },
    h("h2", { id: "settings-site-h" }, "The site"),
    field("Title", title, "The site's name: at the top of every page, in browser tabs, feeds and link previews."),
    field("Description", description, "One line about the site, under its name and in feeds and search results. Optional."),
    feedback,
    h("div", { class: "row" }, saveButton, h("a", { href: "/", target: "_blank", rel: "noopener" }, "View site")),
  );

  async function save(event) {
    event.preventDefault();
    title.removeAttribute("aria-invalid");
    if (!title.value.trim()) {
      title.setAttribute("aria-invalid", "true");
      say(feedback, "Give the site a title.");
      title.focus();
      return;
    }
    say(feedback, null);
    saveButton.disabled = true;
    try {
      const saved = await api("PATCH", "/api/v1/settings", { title: title.value.trim(), description: description.value.trim() });
      title.value = saved.applied.title;
      description.value = saved.applied.description;
      toast("Settings saved: the site shows them now.");
    } catch (error) {
      say(feedback, error.message);
    } finally {
      saveButton.disabled = false;
    }
  }

  // --- Menus -----------------------------------------------------------------
  const [pages, tags] = await Promise.all([
    api("GET", "/api/v1/posts?type=page&status=published&per_page=100").then((page) => page.posts).catch(() => []),
    api("GET", "/api/v1/tags").catch(() => []),
  ]);
  const menus = [
    menuEditor("primary_menu", "Main menu", "In the header of every page.", settings.primary_menu || []),
    menuEditor("secondary_menu", "Footer menu", "At the foot of every page.", settings.secondary_menu || []),
  ];
  const menusFeedback = h("div", { class: "feedback" });
  const saveMenus = h("button", { type: "submit", class: "primary" }, "Save menus");
  const menusForm = h(
    "form",
    { class: "card people-form", novalidate: true, "aria-labelledby": "settings-menus-h", onsubmit: onSaveMenus },
    h("h2", { id: "settings-menus-h" }, "Menus"),
    h("p", { class: "hint" }, "Links to a page, a tag, a post or any address, in the order shown. Move them by dragging their handle, or with the arrow buttons."),
    ...menus.map((menu) => menu.element),
    menusFeedback,
    h("div", { class: "row" }, saveMenus),
  );

  function menuEditor(key, name, where, items) {
    const list = h("ol", { class: "menu-items", "aria-label": name });
    const rows = [];
    let dragged = null;
    const choice = h(
      "select",
      { "aria-label": `What to add to the ${name.toLowerCase()}` },
      h("option", { value: "" }, "Add a link to…"),
      pages.length ? h("optgroup", { label: "Pages" }, pages.map((page) => h("option", { value: `page:${page.slug}` }, page.title))) : null,
      tags.length ? h("optgroup", { label: "Tags" }, tags.map((tag) => h("option", { value: `tag:${tag.slug}` }, tag.name))) : null,
      h("optgroup", { label: "Other" }, h("option", { value: "post" }, "A post…"), h("option", { value: "url" }, "Another address")),
    );
    choice.addEventListener("change", async () => {
      const [kind, slug] = choice.value.split(/:(.*)/s);
      choice.value = "";
      if (kind === "page") {
        const page = pages.find((p) => p.slug === slug);
        add({ label: page.title, url: `/${slug}/` });
      } else if (kind === "tag") {
        const tag = tags.find((t) => t.slug === slug);
        add({ label: tag.name, url: `/tag/${slug}/` });
      } else if (kind === "post") {
        const hit = await pickPost({ title: `Add a post to the ${name.toLowerCase()}` });
        if (hit) add({ label: hit.title, url: `/${hit.slug}/` });
      } else if (kind === "url") {
        add({ label: "", url: "https://" });
      }
    });

    function add(item, focus = true) {
      if (rows.length >= MENU_ITEMS) {
        toast(`A menu holds at most ${MENU_ITEMS} links.`, "error");
        return;
      }
      const label = h("input", { type: "text", maxlength: "60", value: item.label, "aria-label": "Label" });
      const url = h("input", { type: "text", maxlength: "2000", value: item.url, spellcheck: "false", "aria-label": "Address" });
      const row = { label, url, element: null };
      const named = () => label.value.trim() || url.value.trim() || "this link";
      const up = h("button", { type: "button", class: "secondary small", onclick: () => move(row, -1) }, "↑");
      const down = h("button", { type: "button", class: "secondary small", onclick: () => move(row, 1) }, "↓");
      const remove = h("button", { type: "button", class: "danger small", onclick: () => drop(row) }, "Remove");
      const describe = () => {
        up.setAttribute("aria-label", `Move ${named()} up`);
        down.setAttribute("aria-label", `Move ${named()} down`);
        remove.setAttribute("aria-label", `Remove ${named()}`);
      };
      label.addEventListener("input", describe);
      describe();
      // Dragged by its handle (the inputs stay selectable); the arrow buttons do the same by keyboard.
      const handle = h("span", { class: "drag-handle", title: "Drag to move", "aria-hidden": "true" }, "⠿");
      row.element = h("li", { class: "menu-item menu-item-draggable" }, handle, label, url, h("div", { class: "row" }, up, down, remove));
      handle.addEventListener("pointerdown", () => { row.element.draggable = true; });
      row.element.addEventListener("dragstart", (event) => {
        dragged = row;
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", named());
        row.element.classList.add("dragging");
      });
      row.element.addEventListener("dragend", () => {
        row.element.draggable = false;
        row.element.classList.remove("dragging");
        dragged = null;
      });
      row.element.addEventListener("dragover", (event) => {
        if (!dragged || dragged === row) return;
        event.preventDefault();
        const to = rows.indexOf(row);
        rows.splice(rows.indexOf(dragged), 1);
        rows.splice(to, 0, dragged);
        redraw();
      });
      row.element.addEventListener("drop", (event) => event.preventDefault());
      rows.push(row);
      redraw();
      if (focus) (item.label ? url : label).focus();
    }

    function move(row, by) {
      const at = rows.indexOf(row);
      const to = at + by;
      if (to < 0 || to >= rows.length) return;
      rows.splice(at, 1);
      rows.splice(to, 0, row);
      redraw();
      // The same button keeps the focus, so a keyboard can go on moving it.
      row.element.querySelector(by < 0 ? "button:nth-of-type(1)" : "button:nth-of-type(2)").focus();
    }

    function drop(row) {
      rows.splice(rows.indexOf(row), 1);
      redraw();
      choice.focus();
    }

    function redraw() {
      list.replaceChildren(...rows.map((row) => row.element));
      empty.hidden = rows.length > 0;
    }

    const empty = h("p", { class: "muted" }, "No links: the menu is not shown.");
    for (const item of items) add({ label: item.label, url: item.url }, false);
    redraw();
    const element = h("fieldset", { class: "menu-editor" }, h("legend", {}, name), h("p", { class: "hint" }, where), list, empty, choice);
    return {
      element,
      key,
      value: () => rows.map((row) => ({ label: row.label.value.trim(), url: row.url.value.trim() })),
      firstBlank: () => rows.find((row) => !row.label.value.trim() || !row.url.value.trim()),
    };
  }

  async function onSaveMenus(event) {
    event.preventDefault();
    for (const menu of menus) {
      const blank = menu.firstBlank();
      if (blank) {
        say(menusFeedback, "Every link needs a label and an address.");
        (blank.label.value.trim() ? blank.url : blank.label).focus();
        return;
      }
    }
    say(menusFeedback, null);
    saveMenus.disabled = true;
    try {
      const body = Object.fromEntries(menus.map((menu) => [menu.key, menu.value()]));
      await api("PATCH", "/api/v1/settings", body);
      toast("Menus saved: the site shows them now.");
    } catch (error) {
      say(menusFeedback, error.message);
    } finally {
      saveMenus.disabled = false;
    }
  }

  // --- Dates and reading ------------------------------------------------------
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  if (!zones.includes("UTC")) zones.unshift("UTC");
  if (!zones.includes(settings.applied.timezone)) zones.unshift(settings.applied.timezone);
  const timezone = h("select", { name: "timezone" }, zones.map((zone) => h("option", { value: zone, selected: zone === settings.applied.timezone }, zone.replaceAll("_", " "))));
  const dateFormat = h("select", { name: "date_format" }, DATE_FORMATS.map(([value, label]) => h("option", { value, selected: value === settings.applied.date_format }, label)));
  const language = h("input", { type: "text", name: "language", maxlength: "35", autocomplete: "off", spellcheck: "false", value: settings.applied.language });
  const perPage = h("input", { type: "number", name: "posts_per_page", min: "1", max: "50", step: "1", value: String(settings.applied.posts_per_page) });
  const datesForm = settingsForm(
    "settings-dates-h",
    "Dates and reading",
    h("p", { class: "hint" }, "Dates on the site, in feeds and here in the admin are the site's local time."),
    [
      h("div", { class: "people-form-grid" },
        field("Timezone", timezone, "Where the site is: summer time is followed by itself."),
        field("Date format", dateFormat, "How dates read on posts and lists.")),
      h("div", { class: "people-form-grid" },
        field("Language", language, "The language posts are written in, as a code: en, fr, pt-BR. Browsers and screen readers use it."),
        field("Posts per page", perPage, "On the home page, tag and author pages: 1 to 50.")),
    ],
    "Save dates and reading",
    (problem) => {
      const n = Number(perPage.value);
      if (!Number.isInteger(n) || n < 1 || n > 50) return problem("Posts per page must be a whole number from 1 to 50.", perPage);
      if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(language.value.trim())) return problem("Give the language as a code such as en, fr or pt-BR.", language);
      return { timezone: timezone.value, date_format: dateFormat.value, language: language.value.trim(), posts_per_page: n };
    },
    (saved) => setSiteZone(saved.applied.timezone),
  );

  // --- Look ----------------------------------------------------------------------
  const accent = h("input", { type: "color", name: "accent_colour", value: settings.applied.accent_colour || THEME_ACCENT });

  /** A picture of the media library chosen for the site (its logo, its icon): its id, or "" for none. */
  function pictureChooser(name, what, hint, chosenId, shown) {
    let id = chosenId || "";
    const view = h("div", { class: "picture-view" });
    const choose = h("button", { type: "button", class: "secondary small", "aria-label": `Choose the ${what}` }, "Choose…");
    const remove = h("button", { type: "button", class: "secondary small", "aria-label": `Remove the ${what}` }, "Remove");
    function show(src) {
      remove.hidden = !id;
      view.replaceChildren(id ? (src ? h("img", { src, alt: `The ${what}` }) : h("span", { class: "muted" }, "Chosen (its picture is not available right now).")) : h("span", { class: "muted" }, "None."));
    }
    choose.addEventListener("click", async () => {
      const medium = await pickMedium(ctx, { title: `Choose the ${what}` });
      choose.focus();
      if (!medium) return;
      id = medium.id;
      const smallest = [...(medium.variants || [])].sort((a, b) => a.width - b.width)[0];
      show(smallest ? smallest.url : medium.original_url);
    });
    remove.addEventListener("click", () => {
      id = "";
      show(null);
      choose.focus();
    });
    show(shown);
    return {
      element: h("div", { class: "field" }, h("span", { class: "label", id: `${name}-label` }, what[0].toUpperCase() + what.slice(1)), view, h("div", { class: "row" }, choose, remove), h("small", { class: "hint" }, hint)),
      value: () => id,
    };
  }
  const logo = pictureChooser("logo", "logo", "Shown at the top of every page instead of the title (which stays its alt text). About three times as wide as high reads best.", settings.logo, settings.applied.logo?.src);
  const icon = pictureChooser("icon", "icon", "The little picture in browser tabs and bookmarks: a square one.", settings.icon, settings.applied.icon);
  const lookForm = settingsForm(
    "settings-look-h",
    "Look",
    null,
    [
      logo.element,
      icon.element,
      field("Accent colour", accent, "Links, buttons and highlights of the theme in its light scheme (its dark scheme keeps a lighter blue that reads well on black). Choose a dark enough colour: links must stay readable on white."),
      h("div", { class: "row" }, h("button", { type: "button", class: "secondary small", onclick: () => { accent.value = THEME_ACCENT; } }, "Back to the theme's blue")),
    ],
    "Save look",
    () => ({ accent_colour: accent.value, logo: logo.value(), icon: icon.value() }),
  );

  // --- Accounts elsewhere -------------------------------------------------------
  const accountsList = h("ol", { class: "menu-items", "aria-label": "Accounts elsewhere" });
  const accountRows = [];
  function addAccount(account, focus) {
    if (accountRows.length >= SOCIAL_ACCOUNTS) {
      toast(`The site lists at most ${SOCIAL_ACCOUNTS} accounts.`, "error");
      return;
    }
    const network = h("select", { "aria-label": "Network" }, NETWORKS.map(([value, label]) => h("option", { value, selected: value === account.network }, label)));
    const url = h("input", { type: "url", "aria-label": "Address", placeholder: "https://…", value: account.url || "", spellcheck: "false" });
    const row = h("li", { class: "menu-item" });
    const remove = h("button", { type: "button", class: "danger small", onclick: () => {
      accountRows.splice(accountRows.indexOf(row), 1);
      row.remove();
      addAccountButton.focus();
    } }, "Remove");
    row.append(network, url, remove);
    row.read = () => ({ network: network.value, url: url.value.trim() });
    row.url = url;
    accountRows.push(row);
    accountsList.append(row);
    if (focus) url.focus();
  }
  const addAccountButton = h("button", { type: "button", class: "secondary small", onclick: () => addAccount({ network: "mastodon" }, true) }, "Add an account");
  for (const account of settings.applied.social_accounts || []) addAccount(account, false);
  const socialForm = settingsForm(
    "settings-social-h",
    "Accounts elsewhere",
    h("p", { class: "hint" }, "Listed at the foot of every page, with rel=\"me\" (Mastodon then shows the site as verified). An X account becomes the link previews' twitter:site."),
    [accountsList, h("div", { class: "row" }, addAccountButton)],
    "Save accounts",
    (problem) => {
      const accounts = accountRows.map((row) => row.read());
      const bad = accountRows.find((row) => !/^https?:\/\/[^\s/]+/i.test(row.url.value.trim()));
      if (bad) return problem("Give each account's address, starting with https://.", bad.url);
      return { social_accounts: accounts };
    },
  );

  // --- Code injection -------------------------------------------------------------
  const codeHead = h("textarea", { name: "code_head", rows: 5, spellcheck: "false", class: "code" });
  codeHead.value = settings.code_head || "";
  const codeFoot = h("textarea", { name: "code_foot", rows: 5, spellcheck: "false", class: "code" });
  codeFoot.value = settings.code_foot || "";
  const codeForm = settingsForm(
    "settings-code-h",
    "Code injection",
    h("div", { class: "warning", role: "note" },
      h("strong", {}, "Careful: "),
      "this HTML goes as it is into every public page, for every reader. A script here can do anything on your site, and while code is set the pages' security policy lets inline and https scripts run. Add only code you trust, such as an analytics or verification snippet. Preview links never carry it."),
    [
      field("Site header", codeHead, "Added at the end of every page's <head>."),
      field("Site footer", codeFoot, "Added at the end of every page's <body>."),
    ],
    "Save code",
    () => ({ code_head: codeHead.value, code_foot: codeFoot.value }),
  );

  main.replaceChildren(h("h1", {}, "Settings"), form, datesForm, lookForm, menusForm, socialForm, codeForm);
}
