// The People screen (#/people): adding accounts (with a sign-up link or a password), changing roles, disabling,
// setting a password, ending sessions
// and removing people (with who takes over their posts).

import { api } from "./api.js";
import { h, toast, say, confirmDialog, field, formatDate } from "./ui.js";

const RANKS = ["contributor", "author", "editor", "administrator", "owner"];
// Password::MIN in src/auth/domain.rs; checked here too so a short password gets a plain sentence
// instead of the JSON parser's ("…at line 1 column 71").
const PASSWORD_MIN = 8;

/** Roles the API lets `me` grant: never owner (that is a transfer), never above one's own rank. */
function grantable(me) {
  return RANKS.filter((role) => role !== "owner" && RANKS.indexOf(role) <= RANKS.indexOf(me.role));
}

function withArticle(role) {
  return (/^[aeiou]/.test(role) ? "an " : "a ") + role;
}

/**
 * A modal form around `controls`; resolves true when submitted. Uses <dialog> for focus handling,
 * like confirmDialog, with a form so Enter submits and the browser checks `required`.
 */
function formDialog(question, controls, submitLabel, kind = "primary") {
  return new Promise((resolve) => {
    let submitted = false;
    const form = h(
      "form",
      { method: "dialog", onsubmit: () => { submitted = true; } },
      h("p", {}, question),
      ...controls,
      h(
        "div",
        { class: "row end" },
        h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, "Cancel"),
        h("button", { type: "submit", class: kind }, submitLabel),
      ),
    );
    const dialog = h("dialog", { class: "confirm", "aria-label": question }, form);
    dialog.addEventListener("close", () => {
      resolve(submitted);
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

/** Why a row has no controls, or null when it has them: the API refuses these anyway. */
function lockedReason(user, me) {
  if (user.id === me.id) return "your own account";
  if (user.role === "owner") return "the owner's account";
  return null;
}

export async function render(main, ctx) {
  const me = ctx.me;
  const roles = grantable(me);

  // --- Add a person -------------------------------------------------------
  const name = h("input", { type: "text", name: "name", autocomplete: "off", maxlength: "120", required: true });
  const email = h("input", { type: "email", name: "email", autocomplete: "off", required: true });
  const role = h("select", { name: "role" }, roles.map((r) => h("option", { value: r }, r)));
  const password = h("input", { type: "password", name: "password", autocomplete: "new-password", minlength: String(PASSWORD_MIN), required: true });
  // By default they choose their own password, through a one-time link.
  const howLink = h("input", { type: "radio", name: "how", value: "link", checked: true });
  howLink.defaultChecked = true; // what the form's reset comes back to
  const howPassword = h("input", { type: "radio", name: "how", value: "password" });
  const passwordField = field("Password", password, `At least ${PASSWORD_MIN} characters. Tell them to change it after signing in.`);
  passwordField.hidden = true;
  const how = h(
    "fieldset",
    { class: "people-how" },
    h("legend", {}, "How they sign in the first time"),
    h("label", {}, howLink, " A sign-up link you send them: they choose their password"),
    h("label", {}, howPassword, " A password you choose now"),
  );
  for (const radio of [howLink, howPassword]) radio.addEventListener("change", () => { passwordField.hidden = !howPassword.checked; });
  const addFeedback = h("div", { class: "feedback" });
  const addButton = h("button", { type: "submit", class: "primary" }, "Add person");
  const linkBox = h("div", {});

  const addForm = h(
    "form",
    { class: "card people-form", novalidate: true, "aria-labelledby": "people-add-h", onsubmit: addPerson },
    h("h2", { id: "people-add-h" }, "Add a person"),
    h(
      "div",
      { class: "people-form-grid" },
      field("Name", name),
      field("Email", email),
      field("Role", role, "Contributors write drafts; authors publish their own posts; editors manage everyone's posts and media; administrators also manage people and the system."),
    ),
    how,
    passwordField,
    addFeedback,
    h("div", { class: "row" }, addButton),
    linkBox,
  );

  /** A sign-up link, shown once, ready to copy and send. */
  function showLink(user, link) {
    const address = h("input", { type: "text", readonly: true, value: link.url, class: "token-secret", id: "signup-link" });
    address.addEventListener("focus", () => address.select());
    const copy = h("button", { type: "button", class: "secondary small", onclick: async () => {
      try {
        await navigator.clipboard.writeText(link.url);
        toast("Link copied.");
      } catch {
        address.focus();
        toast("Select the link and copy it (Ctrl+C).");
      }
    } }, "Copy link");
    linkBox.replaceChildren(h(
      "div",
      { class: "notice people-link", role: "status" },
      field(`Sign-up link for ${user.name}`, address, `Send it to ${user.email}. It works once, until ${formatDate(link.expires_at)}; it is not shown again.`),
      h("div", { class: "row" }, copy),
    ));
    address.focus();
  }

  async function sendLink(user) {
    try {
      const link = await api("POST", `/api/v1/users/${user.id}/invite`);
      showLink(user, link);
      addForm.scrollIntoView({ block: "nearest" });
    } catch (error) {
      toast(error.message, "error");
    }
  }

  /** A plain sentence for what the browser can check before asking the server, or null. */
  function invalid() {
    if (!name.value.trim()) return [name, "Enter the person's name."];
    if (!email.value.trim() || !email.validity.valid) return [email, "Enter an email address like name@example.com."];
    if (howPassword.checked && [...password.value].length < PASSWORD_MIN) return [password, `The password must be at least ${PASSWORD_MIN} characters.`];
    return null;
  }

  async function addPerson(event) {
    event.preventDefault();
    for (const input of [name, email, password]) input.removeAttribute("aria-invalid");
    const problem = invalid();
    if (problem) {
      const [input, sentence] = problem;
      input.setAttribute("aria-invalid", "true");
      say(addFeedback, sentence);
      input.focus();
      return;
    }
    say(addFeedback, null);
    addButton.disabled = true;
    try {
      const body = { name: name.value.trim(), email: email.value.trim(), role: role.value };
      if (howPassword.checked) body.password = password.value;
      const user = await api("POST", "/api/v1/users", body);
      users.push(user);
      tbody.append(rowFor(user));
      showEmpty();
      toast(`Added ${user.name} as ${withArticle(user.role)}.`);
      addForm.reset();
      passwordField.hidden = true;
      if (user.signed_up === false) await sendLink(user);
      else name.focus();
    } catch (error) {
      // What they typed stays: only the message changes.
      say(addFeedback, error.message);
      if (error.code === "email_taken" || /email/i.test(error.message)) email.setAttribute("aria-invalid", "true");
      if (/password/i.test(error.message)) password.setAttribute("aria-invalid", "true");
    } finally {
      addButton.disabled = false;
    }
  }

  // --- The people table -----------------------------------------------------
  let users = [];
  const tbody = h("tbody", { role: "rowgroup" });
  const empty = h("p", { class: "muted", hidden: true }, "No one else has an account yet.");
  const listStatus = h("div", {});
  const table = h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "people-table stack-table", role: "table", "aria-labelledby": "people-list-h" },
      h("thead", { role: "rowgroup" }, h("tr", { role: "row" }, ["Name", "Email", "Role", "Status", "Actions"].map((t) => h("th", { scope: "col", role: "columnheader" }, t)))),
      tbody,
    ),
  );

  function showEmpty() {
    empty.hidden = users.some((u) => u.id !== me.id);
  }

  // A picture's address by media id, asked once per screen: a row redrawn
  // after a change asks no more.
  const avatarUrls = new Map();
  function avatarFor(user) {
    if (!user.avatar) return null;
    const img = h("img", { class: "people-avatar", alt: "", width: 32, height: 32, hidden: true });
    if (!avatarUrls.has(user.avatar)) {
      avatarUrls.set(
        user.avatar,
        api("GET", `/api/v1/media/${user.avatar}`).then(
          (medium) => ([...(medium.variants || [])].sort((a, b) => a.width - b.width)[0] || { url: medium.original_url }).url,
          () => null,
        ),
      );
    }
    // A picture that can't be had (deleted from media) just isn't shown.
    avatarUrls.get(user.avatar).then((url) => {
      if (!url) return;
      img.src = url;
      img.hidden = false;
    });
    return img;
  }

  function rowFor(user) {
    const locked = lockedReason(user, me);
    const tr = h("tr", { dataset: { id: user.id } });

    let roleCell;
    if (locked || !roles.includes(user.role)) {
      // An administrator may not hand out or take away what they can't grant.
      roleCell = h("span", {}, user.role);
    } else {
      const select = h(
        "select",
        { "aria-label": `Role for ${user.name}`, class: "people-role", onchange: () => changeRole(user, select) },
        roles.map((r) => h("option", { value: r, selected: r === user.role }, r)),
      );
      roleCell = select;
    }

    const status = user.disabled
      ? h("span", { class: "people-status disabled" }, "disabled")
      : user.signed_up === false
        ? h("span", { class: "people-status pending" }, "not signed up yet")
        : h("span", { class: "people-status active" }, "active");

    let actions;
    if (locked) {
      actions = h("span", { class: "muted" }, locked);
    } else {
      actions = h(
        "div",
        { class: "row people-actions" },
        user.disabled
          ? h("button", { type: "button", class: "secondary small", "data-action": "toggle", "aria-label": `Enable ${user.name}`, onclick: () => setDisabled(user, false) }, "Enable")
          : h("button", { type: "button", class: "secondary small", "data-action": "toggle", "aria-label": `Disable ${user.name}`, onclick: () => setDisabled(user, true) }, "Disable"),
        user.signed_up === false && !user.disabled
          ? h("button", { type: "button", class: "secondary small", "data-action": "invite", "aria-label": `New sign-up link for ${user.name}`, onclick: () => sendLink(user) }, "Sign-up link")
          : null,
        h("button", { type: "button", class: "secondary small", "data-action": "password", "aria-label": `Set a new password for ${user.name}`, onclick: () => resetPassword(user) }, "Set password"),
        h("button", { type: "button", class: "secondary small", "data-action": "sessions", "aria-label": `End sessions for ${user.name}`, onclick: () => endSessions(user) }, "End sessions"),
        h("button", { type: "button", class: "danger small", "data-action": "remove", "aria-label": `Remove ${user.name}`, onclick: () => remove(user) }, "Remove"),
      );
    }

    // Explicit roles keep the table a table for screen readers when narrow screens restyle it as cards.
    tr.setAttribute("role", "row");
    tr.append(
      h("th", { scope: "row", role: "rowheader" }, avatarFor(user), user.name, user.id === me.id ? h("span", { class: "muted" }, " (you)") : null),
      h("td", { role: "cell", class: "people-email", "data-label": "Email" }, user.email),
      h("td", { role: "cell", "data-label": "Role" }, roleCell),
      h("td", { role: "cell", "data-label": "Status" }, status),
      h("td", { role: "cell", class: "stack-actions" }, actions),
    );
    return tr;
  }

  /** Redraws one row in place and puts focus back on the same control, so keyboard users stay put. */
  function replaceRow(user, focusAction) {
    const index = users.findIndex((u) => u.id === user.id);
    if (index >= 0) users[index] = user;
    const old = tbody.querySelector(`tr[data-id="${user.id}"]`);
    const fresh = rowFor(user);
    if (old) old.replaceWith(fresh);
    if (focusAction) {
      const target = fresh.querySelector(focusAction);
      if (target) target.focus();
    }
  }

  async function changeRole(user, select) {
    const next = select.value;
    const ok = await confirmDialog(
      `Make ${user.name} ${withArticle(next)}? They are signed out and sign in again with the new role.`,
      "Change role",
    );
    if (!ok) {
      select.value = user.role;
      select.focus();
      return;
    }
    select.disabled = true;
    try {
      const updated = await api("PATCH", `/api/v1/users/${user.id}`, { role: next });
      replaceRow(updated, "select");
      toast(`${updated.name} is now ${withArticle(updated.role)}.`);
    } catch (error) {
      select.value = user.role;
      select.disabled = false;
      select.focus();
      toast(error.message, "error");
    }
  }

  async function setDisabled(user, disabled) {
    const button = tbody.querySelector(`tr[data-id="${user.id}"] [data-action="toggle"]`);
    if (button) button.disabled = true;
    try {
      const updated = await api("PATCH", `/api/v1/users/${user.id}`, { disabled });
      replaceRow(updated, '[data-action="toggle"]');
      toast(disabled ? `Disabled ${updated.name}; they are signed out and can't sign in.` : `Enabled ${updated.name}; they can sign in again.`);
    } catch (error) {
      if (button) button.disabled = false;
      toast(error.message, "error");
    }
  }

  async function endSessions(user) {
    const button = tbody.querySelector(`tr[data-id="${user.id}"] [data-action="sessions"]`);
    if (button) button.disabled = true;
    try {
      await api("DELETE", `/api/v1/users/${user.id}/sessions`);
      toast(`Ended every session of ${user.name}; they must sign in again.`);
    } catch (error) {
      toast(error.message, "error");
    } finally {
      if (button) button.disabled = false;
    }
  }

  async function resetPassword(user) {
    const input = h("input", { type: "password", name: "new_password", autocomplete: "new-password", minlength: String(PASSWORD_MIN), required: true });
    const button = tbody.querySelector(`tr[data-id="${user.id}"] [data-action="password"]`);
    const ok = await formDialog(
      `Set a new password for ${user.name}? Their sessions end and their API tokens are revoked.`,
      [field("New password", input, `At least ${PASSWORD_MIN} characters. Tell them to change it after signing in.`)],
      "Set password",
      "danger",
    );
    if (!ok) {
      button?.focus();
      return;
    }
    if ([...input.value].length < PASSWORD_MIN) {
      toast(`The password must be at least ${PASSWORD_MIN} characters.`, "error");
      button?.focus();
      return;
    }
    try {
      const reset = await api("POST", `/api/v1/users/${user.id}/password`, { new_password: input.value });
      toast(
        `Set a new password for ${user.name}: ${plural(reset.sessions_ended, "session", "sessions")} ended, ` +
          `${plural(reset.tokens_revoked, "API token", "API tokens")} revoked.`,
      );
    } catch (error) {
      toast(error.message, "error");
    } finally {
      button?.focus();
    }
  }

  /** Asks who takes over `user`'s posts; resolves with their id, or null when cancelled. */
  async function chooseHeir(user, why) {
    const heirs = users.filter((u) => u.id !== user.id && !u.disabled);
    const select = h(
      "select",
      { name: "reassign_to", "aria-label": "Who takes over the posts" },
      heirs.map((u) => h("option", { value: u.id, selected: u.id === me.id }, `${u.name} (${u.email})`)),
    );
    const ok = await formDialog(why, [field("Their posts go to", select)], "Move posts and remove", "danger");
    return ok ? select.value : null;
  }

  async function remove(user) {
    const ok = await confirmDialog(`Remove ${user.name} (${user.email})? Their account is deleted; this can't be undone.`, "Remove");
    const row = tbody.querySelector(`tr[data-id="${user.id}"]`);
    if (!ok) {
      row?.querySelector('[data-action="remove"]')?.focus();
      return;
    }
    let heir = null;
    try {
      try {
        await api("DELETE", `/api/v1/users/${user.id}`);
      } catch (error) {
        // Someone who wrote posts leaves them to someone: the server says so, and we ask whom.
        if (error.code !== "has_posts") throw error;
        heir = await chooseHeir(user, `${error.message.replace(/; name who.*$/, "")}. Who takes them over?`);
        if (!heir) {
          row?.querySelector('[data-action="remove"]')?.focus();
          return;
        }
        await api("DELETE", `/api/v1/users/${user.id}?reassign_to=${encodeURIComponent(heir)}`);
      }
      // Focus moves to the next row's first control, or the list's heading, never to the void.
      const next = row?.nextElementSibling || row?.previousElementSibling;
      row?.remove();
      users = users.filter((u) => u.id !== user.id);
      showEmpty();
      const focusable = next?.querySelector("select, button");
      if (focusable) focusable.focus();
      else listHeading.focus();
      const heirName = heir && users.find((u) => u.id === heir)?.name;
      toast(heirName ? `Removed ${user.name}; their posts now belong to ${heirName}.` : `Removed ${user.name}.`);
    } catch (error) {
      toast(error.message, "error");
    }
  }

  const listHeading = h("h2", { id: "people-list-h", tabindex: "-1" }, "Everyone with an account");

  async function load() {
    say(listStatus, null);
    try {
      users = await api("GET", "/api/v1/users");
      tbody.replaceChildren(...users.map(rowFor));
      showEmpty();
      table.hidden = false;
    } catch (error) {
      table.hidden = true;
      listStatus.replaceChildren(
        h("p", { class: "error", role: "alert" }, error.message),
        h("button", { type: "button", class: "secondary", onclick: load }, "Try again"),
      );
    }
  }

  main.replaceChildren(h("h1", {}, "People"), addForm, listHeading, listStatus, table, empty);
  await load();
}
