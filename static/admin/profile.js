// The profile screen (#/profile): everyone's own name, email, bio, website and
// avatar (shown on their author page and under their posts), and changing
// their own password.

import { api } from "./api.js";
import { h, toast, say, field } from "./ui.js";
import { pickMedium } from "./media.js";

/** The smallest variant still crisp at twice the thumbnail's 64 px. */
function avatarSource(medium) {
  const variants = [...(medium.variants || [])].sort((a, b) => a.width - b.width);
  const fit = variants.find((v) => v.width >= 128) || variants[variants.length - 1];
  return fit ? fit.url : medium.original_url;
}

/** What the server accepts as a website: an absolute http(s) address. */
function looksLikeWebsite(text) {
  return /^https?:\/\/[^\s/]/i.test(text);
}

export async function render(main, ctx) {
  const me = await api("GET", `/api/v1/users/${ctx.me.id}`);

  // --- Profile ---------------------------------------------------------------
  const name = h("input", { type: "text", name: "name", autocomplete: "name", maxlength: "100", required: true, value: me.name });
  const email = h("input", { type: "email", name: "email", autocomplete: "email", required: true, value: me.email });
  const bio = h("textarea", { name: "bio", rows: 4, maxlength: "1000" });
  bio.value = me.bio || "";
  const website = h("input", { type: "url", name: "website", autocomplete: "url", inputmode: "url", maxlength: "500", value: me.website || "" });

  // The avatar is a media id, kept here until "Save profile" (as the editor
  // keeps a feature image until the post is saved).
  let avatar = me.avatar || null;
  const avatarView = h("div", { class: "avatar-view" });
  const chooseAvatar = h("button", { type: "button", class: "secondary", onclick: onChooseAvatar }, "Choose avatar");
  const removeAvatar = h("button", { type: "button", class: "secondary", onclick: onRemoveAvatar }, "Remove avatar");
  const avatarSet = h(
    "fieldset",
    { class: "profile-avatar", "aria-describedby": "avatar-hint" },
    h("legend", {}, "Avatar"),
    avatarView,
    h("div", { class: "row" }, chooseAvatar, removeAvatar),
    h("small", { class: "hint", id: "avatar-hint" }, "A picture of you from the media library, shown round beside your name. Save the profile to keep a change."),
  );
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
    field("Website", website, "Your own site's address, such as https://example.com — linked from your author page and under your posts. Leave it empty for none."),
    avatarSet,
    profileFeedback,
    h("div", { class: "row" }, saveProfile, h("a", { href: `/author/${me.slug}/`, target: "_blank", rel: "noopener" }, "View your author page")),
  );

  async function onSaveProfile(event) {
    event.preventDefault();
    for (const input of [name, email, website]) input.removeAttribute("aria-invalid");
    const missing = [name, email].find((input) => !input.value.trim());
    if (missing) {
      missing.setAttribute("aria-invalid", "true");
      say(profileFeedback, missing === name ? "Give your name." : "Give your email address.");
      missing.focus();
      return;
    }
    const site = website.value.trim();
    if (site && !looksLikeWebsite(site)) {
      website.setAttribute("aria-invalid", "true");
      say(profileFeedback, "Give your website's whole address, starting with https:// (or leave it empty).");
      website.focus();
      return;
    }
    say(profileFeedback, null);
    saveProfile.disabled = true;
    try {
      const saved = await api("PATCH", `/api/v1/users/${me.id}`, {
        name: name.value.trim(),
        email: email.value.trim(),
        bio: bio.value.trim(),
        // "" and null remove them.
        website: site,
        avatar,
      });
      ctx.me.name = saved.name;
      ctx.me.email = saved.email;
      website.value = saved.website || "";
      ctx.refreshWho();
      toast("Profile saved.");
    } catch (error) {
      say(profileFeedback, error.message);
      if (/^website:/.test(error.message || "")) {
        website.setAttribute("aria-invalid", "true");
        website.focus();
      }
    } finally {
      saveProfile.disabled = false;
    }
  }

  function showAvatar(medium, problem) {
    removeAvatar.hidden = !avatar;
    chooseAvatar.textContent = avatar ? "Choose another avatar" : "Choose avatar";
    if (!avatar) {
      avatarView.replaceChildren(h("p", { class: "muted" }, "None chosen."));
    } else if (problem) {
      avatarView.replaceChildren(h("p", { class: "error" }, problem));
    } else if (!medium) {
      avatarView.replaceChildren(h("p", { class: "muted" }, "Loading the picture…"));
    } else {
      avatarView.replaceChildren(
        h("figure", { class: "avatar-thumb" },
          // The caption names the picture; the image itself adds nothing to read.
          h("img", { src: avatarSource(medium), alt: "", width: 64, height: 64 }),
          h("figcaption", { class: "muted" }, medium.alt || medium.file_name || "Your avatar")),
      );
    }
  }

  async function loadAvatar() {
    if (!avatar) return showAvatar();
    showAvatar(null);
    try {
      showAvatar(await api("GET", `/api/v1/media/${avatar}`));
    } catch (error) {
      showAvatar(null, `The chosen picture can't be shown: ${error.message}`);
    }
  }

  async function onChooseAvatar() {
    let medium = null;
    try {
      medium = await pickMedium(ctx, { title: "Choose your avatar" });
    } catch (error) {
      toast(error.message, "error");
    }
    chooseAvatar.focus();
    if (!medium) return;
    avatar = medium.id;
    showAvatar(medium);
  }

  function onRemoveAvatar() {
    avatar = null;
    showAvatar();
    chooseAvatar.focus();
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
  loadAvatar();
}
