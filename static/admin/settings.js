// The site's settings (#/settings, administrators and the owner): its title and description, and its two
// menus (the header's and the footer's), shown on every public page and feed at once.

import { api } from "./api.js";
import { h, toast, say, field } from "./ui.js";
import { pickPost } from "./links.js";

const MENU_ITEMS = 20; // MENU_ITEMS in the posts protocol

export async function render(main) {
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
    h("p", { class: "hint" }, "Links to a page, a tag, a post or any address, in the order shown. Move them with the arrow buttons."),
    ...menus.map((menu) => menu.element),
    menusFeedback,
    h("div", { class: "row" }, saveMenus),
  );

  function menuEditor(key, name, where, items) {
    const list = h("ol", { class: "menu-items", "aria-label": name });
    const rows = [];
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
      row.element = h("li", { class: "menu-item" }, label, url, h("div", { class: "row" }, up, down, remove));
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

  main.replaceChildren(h("h1", {}, "Settings"), form, menusForm);
}
