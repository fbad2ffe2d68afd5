// The profile screen (#/profile): everyone's own name, email and bio (shown on
// their author page and under their posts), and changing their own password.

import { api } from "./api.js";
import { h, toast, say, field } from "./ui.js";

export async function render(main, ctx) {
  const me = await api("GET", `/api/v1/users/${ctx.me.id}`);

  // --- Profile ---------------------------------------------------------------
  const name = h("input", { type: "text", name: "name", autocomplete: "name", maxlength: "100", required: true, value: me.name });
  const email = h("input", { type: "email", name: "email", autocomplete: "email", required: true, value: me.email });
  const bio = h("textarea", { name: "bio", rows: 4, maxlength: "1000" });
  bio.value = me.bio || "";
  const profileFeedback = h("div", { class: "feedback" });
  const saveProfile = h("button", { type: "submit", class: "primary" }, "Save profile");
  const profileForm = h(
    "form",
    { class: "card people-form", novalidate: true, "aria-labelledby": "profile-h", onsubmit: onSaveProfile },
    h("h2", { id: "profile-h" }, "Profile"),
    h("div", { class: "people-form-grid" },
      field("Name", name, "Shown on your posts and your author page."),
      field("Email", email, "You sign in with it; never shown on the site.")),
    field("Bio", bio, "A sentence or two about you, under your posts and on your author page."),
    profileFeedback,
    h("div", { class: "row" }, saveProfile, h("a", { href: `/author/${me.slug}/`, target: "_blank", rel: "noopener" }, "View your author page")),
  );

  async function onSaveProfile(event) {
    event.preventDefault();
    for (const input of [name, email]) input.removeAttribute("aria-invalid");
    const missing = [name, email].find((input) => !input.value.trim());
    if (missing) {
      missing.setAttribute("aria-invalid", "true");
      say(profileFeedback, missing === name ? "Give your name." : "Give your email address.");
      missing.focus();
      return;
    }
    say(profileFeedback, null);
    saveProfile.disabled = true;
    try {
      const saved = await api("PATCH", `/api/v1/users/${me.id}`, { name: name.value.trim(), email: email.value.trim(), bio: bio.value.trim() });
      ctx.me.name = saved.name;
      ctx.me.email = saved.email;
      ctx.refreshWho();
      toast("Profile saved.");
    } catch (error) {
      say(profileFeedback, error.message);
    } finally {
      saveProfile.disabled = false;
    }
  }

  // --- Password --------------------------------------------------------------
  // The browser's password manager finds the account by this hidden field.
  const account = h("input", { type: "email", name: "username", autocomplete: "username", value: me.email, hidden: true, readonly: true, tabindex: "-1", "aria-hidden": "true" });
  const current = h("input", { type: "password", name: "current-password", autocomplete: "current-password", required: true });
  const fresh = h("input", { type: "password", name: "new-password", autocomplete: "new-password", required: true, minlength: "8" });
  const again = h("input", { type: "password", name: "new-password-again", autocomplete: "new-password", required: true });
  const passwordFeedback = h("div", { class: "feedback" });
  const changeButton = h("button", { type: "submit", class: "primary" }, "Change password");
  const passwordForm = h(
    "form",
    { class: "card people-form", novalidate: true, "aria-labelledby": "password-h", onsubmit: onChangePassword },
    h("h2", { id: "password-h" }, "Password"),
    account,
    field("Current password", current),
    h("div", { class: "people-form-grid" },
      field("New password", fresh, "At least 8 characters; a few words make a strong one. Your other sessions are signed out."),
      field("New password again", again)),
    passwordFeedback,
    h("div", { class: "row" }, changeButton),
  );

  async function onChangePassword(event) {
    event.preventDefault();
    for (const input of [current, fresh, again]) input.removeAttribute("aria-invalid");
    const problem =
      !current.value ? [current, "Give your current password."]
        : !fresh.value ? [fresh, "Choose a new password."]
          : fresh.value !== again.value ? [again, "The two new passwords differ."]
            : null;
    if (problem) {
      problem[0].setAttribute("aria-invalid", "true");
      say(passwordFeedback, problem[1]);
      problem[0].focus();
      return;
    }
    say(passwordFeedback, null);
    changeButton.disabled = true;
    try {
      await api("POST", "/api/v1/me/password", { current_password: current.value, new_password: fresh.value });
      passwordForm.reset();
      account.value = me.email;
      toast("Password changed. Your other sessions are signed out.");
    } catch (error) {
      say(passwordFeedback, error.message);
      (error.code === "wrong_password" ? current : fresh).focus();
    } finally {
      changeButton.disabled = false;
    }
  }

  main.replaceChildren(
    h("h1", {}, "Your profile"),
    profileForm,
    passwordForm,
  );
}
