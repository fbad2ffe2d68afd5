// The site's settings (#/settings, administrators and the owner): its title and description, shown on every
// public page and feed at once.

import { api } from "./api.js";
import { h, toast, say, field } from "./ui.js";

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

  main.replaceChildren(h("h1", {}, "Settings"), form);
}
