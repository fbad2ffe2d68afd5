// The post editor (`#/posts/new`, `#/posts/{id}`): writing with a live preview, saving
// (by hand, Ctrl+S, and autosave for drafts), publishing (or submitting for review),
// conflicts, revisions and deletion. The toolbar and its aids live in toolbar.js.

import { api } from "./api.js";
import { h, field, say, toast, confirmDialog, formatDate, toSiteInput, fromSiteInput, siteZoneName } from "./ui.js";
import { pickMedium, describeForPost } from "./media.js";
import { pickPost } from "./links.js";
import { showHistory, askRestore, restoredTags } from "./history.js";
import { createToolbar } from "./toolbar.js";

const AUTOSAVE_MS = 3000;
const PREVIEW_MS = 400;
const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const CONFLICT =
  "Someone else saved this post while you were editing. Your text is still here: copy what you need, then reload to see their version.";

function parseTags(text) {
  const seen = new Set();
  return text
    .split(",")
    .map((tag) => tag.trim())
    .filter((tag) => tag && !seen.has(tag.toLowerCase()) && seen.add(tag.toLowerCase()));
}

function clock(date = new Date()) {
  return date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: siteZoneName() });
}

/** The smallest picture of a medium that is still crisp as a thumbnail. */
function thumbnailOf(medium) {
  const variants = [...(medium.variants || [])].sort((a, b) => a.width - b.width);
  const fit = variants.find((v) => v.width >= 240) || variants[variants.length - 1];
  return fit ? fit.url : medium.original_url;
}

/** A medium's alt text made safe inside `![…]`: one line, brackets escaped. */
function altForMarkdown(alt) {
  return (alt || "").replace(/\s+/g, " ").trim().replace(/([\\[\]])/g, "\\$1");
}

export async function render(main, ctx, params) {
  let post = null;
  let latestRevision = null;
  if (params.id) {
    try {
      post = await api("GET", `/api/v1/posts/${params.id}`);
    } catch (error) {
      main.replaceChildren(
        h("h1", {}, "Edit post"),
        h("p", { class: "error", role: "alert" }, error.message),
        h("a", { href: "#/posts" }, "Back to posts"),
      );
      return;
    }
    // Only the latest revision tells whether the excerpt was written or taken from the text.
    const revisions = await api("GET", `/api/v1/posts/${post.id}/revisions`).catch(() => null);
    latestRevision = revisions ? revisions.find((r) => r.revision === post.revision) || null : null;
  }

  const me = ctx.me;
  const own = !post || post.author === me.id;
  const canEdit = !post || ctx.can("edit_any") || (own && (post.status === "draft" || ctx.can("publish")));
  const canPublish = ctx.can("edit_any") || (own && ctx.can("publish"));

  let destroyed = false;
  let conflict = false;
  let autosaveTimer = null;
  let previewTimer = null;
  let previewSequence = 0;
  let inFlight = null;
  let queued = null;
  // An earlier revision was loaded into the editor and not yet saved by hand.
  let restoredPending = false;
  let featureImage = post ? post.feature_image : null;

  // ---- Fields ----
  // A page (About, Contact) is written like a post; `#/posts/new?type=page` starts one.
  const startAs = post ? post.type : params.query && params.query.get("type") === "page" ? "page" : "post";
  const noun = () => (kind.value === "page" ? "page" : "post");
  const kind = h(
    "select",
    { name: "type" },
    h("option", { value: "post", selected: startAs === "post" }, "Post"),
    h("option", { value: "page", selected: startAs === "page" }, "Page"),
  );
  const heading = h("h1", {}, `${post ? "Edit" : "New"} ${startAs === "page" ? "page" : "post"}`);
  const title = h("input", { type: "text", name: "title", autocomplete: "off", value: post ? post.title : "", required: true });
  const slug = h("input", { type: "text", name: "slug", autocomplete: "off", spellcheck: false, value: post ? post.slug : "" });
  const slugError = h("p", { class: "error editor-inline-error", id: "slug-error", hidden: true });
  const markdown = h("textarea", { class: "markdown", name: "markdown", id: "post-markdown", spellcheck: true });
  markdown.value = post ? post.markdown : "";
  const tags = h("input", { type: "text", name: "tags", autocomplete: "off", value: post ? post.tags.map((t) => t.name).join(", ") : "" });
  const excerptGiven = latestRevision ? latestRevision.excerpt : "";
  const excerpt = h("textarea", { name: "excerpt", rows: 3 });
  excerpt.value = excerptGiven;
  if (post && !excerptGiven) excerpt.placeholder = post.excerpt;

  // Short words in the toolbar; the names say the whole of it.
  const insertButton = h("button", { type: "button", class: "secondary small", onclick: insertImage, "aria-label": "Insert image", title: "Insert an image from the library" }, "Image");
  const linkButton = h("button", { type: "button", class: "secondary small", onclick: insertLink, "aria-label": "Insert link to a post", title: "Insert a link to a post or page" }, "Link to a post");
  const writing = createToolbar(markdown, { imageButton: insertButton, postLinkButton: linkButton });

  // ---- Preview ----
  const previewBody = h("div", { class: "preview-body" });
  // Focusable: beside the text it scrolls by itself, and a keyboard can only scroll what it can reach.
  const preview = h(
    "section",
    { class: "card editor-preview", "aria-label": "Preview", tabindex: "0" },
    h("p", { class: "editor-pane-title", "aria-hidden": "true" }, "Preview"),
    previewBody,
  );
  // Links in the preview would leave the editor (or change the hash route).
  previewBody.addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    if (!link) return;
    event.preventDefault();
    if (/^https?:/i.test(link.getAttribute("href"))) window.open(link.href, "_blank", "noopener");
  });

  // ---- Feature image ----
  const featureView = h("div", { class: "feature-view" });
  const chooseFeature = h("button", { type: "button", class: "secondary", onclick: chooseFeatureImage }, "Choose feature image");
  const removeFeature = h("button", { type: "button", class: "secondary", onclick: removeFeatureImage }, "Remove feature image");
  const featureSet = h(
    "fieldset",
    { class: "editor-feature" },
    h("legend", {}, "Feature image"),
    featureView,
    h("div", { class: "row" }, chooseFeature, removeFeature),
  );

  // ---- Search and sharing (each left empty falls back to the post's own) ----
  const seoNow = (post && post.seo) || {};
  const metaTitle = h("input", { type: "text", name: "meta_title", maxlength: "300", value: seoNow.meta_title || "", placeholder: "The post's title" });
  const metaDescription = h("textarea", { name: "meta_description", rows: 3, maxlength: "500", placeholder: "The excerpt" });
  metaDescription.value = seoNow.meta_description || "";
  const canonical = h("input", { type: "url", name: "canonical_url", value: seoNow.canonical_url || "", placeholder: "https://…", spellcheck: "false" });
  let socialImage = seoNow.social_image || null;
  const socialView = h("div", { class: "feature-view" });
  const chooseSocial = h("button", { type: "button", class: "secondary small", onclick: chooseSocialImage }, "Choose social image");
  const removeSocial = h("button", { type: "button", class: "secondary small", onclick: () => { socialImage = null; showSocial(); chooseSocial.focus(); changed(); } }, "Remove social image");
  const seoPanel = h(
    "details",
    { class: "editor-seo" },
    h("summary", {}, "Search and sharing"),
    h("p", { class: "hint" }, "How the post shows in search results and link previews. Each one left empty is the post's own: its title, excerpt, address and feature image."),
    field("Meta title", metaTitle, "Search results show about 60 characters."),
    field("Meta description", metaDescription, "Search results show about 155 characters."),
    field("Canonical address", canonical, "Only when the post first appeared elsewhere: search engines then credit that address."),
    h("div", { class: "field" }, h("span", { class: "label" }, "Social image"), socialView, h("div", { class: "row" }, chooseSocial, removeSocial)),
  );

  // ---- Publishing: one primary action that follows the post's state ----
  // Save keeps the post as it is (a draft stays a draft, a live post is updated); the
  // primary button changes what readers see: Publish, Schedule, Update — or, for a
  // contributor, Submit for review. The line beside them says what is live.
  const publishAt = h("input", { type: "datetime-local", name: "publish_at" });
  const publishAtField = field("Publish at", publishAt, `The site's time (${siteZoneName()}, set in Settings).`);
  let scheduling = false;
  const closeSchedule = h("button", { type: "button", class: "link small", onclick: () => setScheduling(false) }, "Don't schedule");
  const scheduleBox = h("div", { class: "editor-schedule", hidden: true }, publishAtField, closeSchedule);

  const saveButton = h("button", { type: "submit", class: "secondary" }, "Save draft");
  const primaryButton = h("button", { type: "button", class: "primary", onclick: primaryAction }, "Publish");
  const scheduleButton = h("button", { type: "button", class: "secondary", "aria-expanded": "false", onclick: () => setScheduling(true) }, "Schedule…");
  const draftButton = h("button", { type: "button", class: "secondary", onclick: switchToDraft }, "Switch to draft");
  const withdrawButton = h("button", { type: "button", class: "secondary", onclick: () => save("manual", { review: false }) }, "Withdraw from review");
  const liveText = h("span", {});
  const viewLink = h("a", { class: "editor-view", href: "#", target: "_blank", rel: "noopener", hidden: true }, "View post");
  const liveLine = h("p", { class: "editor-live", id: "editor-live" }, liveText, viewLink);
  const line = h("span", { class: "muted editor-line", role: "status", "aria-live": "polite" });
  const alertBox = h("div", { class: "editor-alert" });
  const actions = h(
    "div",
    { class: "editor-actions" },
    h(
      "div",
      { class: "editor-publish" },
      h("div", { class: "editor-state" }, liveLine, line),
      h("div", { class: "row editor-buttons" }, draftButton, withdrawButton, scheduleButton, saveButton, primaryButton),
    ),
    // Only for those who may publish: a contributor's screen has no time to pick.
    canPublish ? scheduleBox : null,
    alertBox,
  );
  // An editor opening a draft someone submitted is told so, above everything.
  const reviewNotice = h("div", { class: "editor-review-notice", hidden: true });

  // ---- History and deletion (only once the post exists) ----
  const historyBody = h("div", { class: "history-body" });
  const historyPanel = h("details", { class: "card editor-history" }, h("summary", {}, "History"), historyBody);
  historyPanel.addEventListener("toggle", () => {
    if (historyPanel.open) loadHistory();
  });
  const shareBody = h("div", { class: "share-body" });
  const sharePanel = h("details", { class: "card editor-history editor-share" }, h("summary", {}, "Preview link"), shareBody);
  sharePanel.addEventListener("toggle", () => {
    if (sharePanel.open) loadShare();
  });
  const deleteButton = h("button", { type: "button", class: "danger", onclick: deletePost }, "Delete post");
  const more = h("div", { class: "editor-more" }, historyPanel, canEdit ? sharePanel : null, h("div", { class: "row" }, deleteButton));

  const form = h(
    "form",
    { class: "editor", novalidate: true, "aria-labelledby": "editor-heading", onsubmit: (event) => { event.preventDefault(); save("manual"); } },
    h(
      "div",
      { class: "editor-grid" },
      h(
        "div",
        { class: "editor-write" },
        field("Title", title),
        h(
          "div",
          { class: "field editor-md" },
          h("div", { class: "spread editor-md-head" }, h("label", { for: markdown.id }, "Markdown"), writing.focusButton),
          writing.toolbar,
          writing.uploads,
          markdown,
          writing.counter,
        ),
      ),
      preview,
    ),
    h(
      "div",
      { class: "editor-settings" },
      h(
        "div",
        { class: "editor-meta" },
        field("Type", kind, "A page (About, Contact) is at /slug/ like a post, but not listed on the home page, in tags or in feeds."),
        field("Slug", slug, "Optional: made from the title if left empty. Lowercase letters, digits and hyphens; the post is at /slug/."),
        slugError,
        field("Tags", tags, "Separate tags with commas, e.g. Rust, Travel notes."),
        field("Excerpt", excerpt, "Shown in lists and feeds. Made from the first paragraph if left empty."),
        seoPanel,
      ),
      h("div", { class: "editor-side" }, featureSet),
    ),
    actions,
  );
  heading.id = "editor-heading";
  slug.setAttribute("aria-describedby", `${slug.getAttribute("aria-describedby")} slug-error`);

  const offer = h("div", { class: "editor-offer" });
  main.replaceChildren(h("div", { class: "editor-page" }, heading, readOnlyNotice(), reviewNotice, offer, form, post ? more : null));

  function readOnlyNotice() {
    if (canEdit) return null;
    const why = own
      ? "Contributors can only change drafts; ask an editor to change it."
      : "It belongs to someone else.";
    return h("p", { class: "card notice editor-readonly" }, `You can read this post but not change it. ${why}`);
  }

  if (!canEdit) {
    for (const control of [title, slug, markdown, tags, excerpt, metaTitle, metaDescription, canonical]) control.readOnly = true;
    chooseSocial.hidden = true;
    writing.toolbar.hidden = true;
    writing.focusButton.hidden = true;
    chooseFeature.hidden = true;
    actions.hidden = true;
    more.hidden = true;
  }

  // ---- What "unsaved" means: content (autosaved) and status (only saved by hand) ----
  function content() {
    return {
      title: title.value.trim(),
      slug: slug.value.trim(),
      markdown: markdown.value,
      tags: parseTags(tags.value),
      excerpt: excerpt.value.trim(),
      feature_image: featureImage,
      type: kind.value,
      seo: seoValues(),
    };
  }
  /** The search and sharing details given; empty ones are left out. */
  function seoValues() {
    const seo = {};
    if (metaTitle.value.trim()) seo.meta_title = metaTitle.value.trim();
    if (metaDescription.value.trim()) seo.meta_description = metaDescription.value.trim();
    if (canonical.value.trim()) seo.canonical_url = canonical.value.trim();
    if (socialImage) seo.social_image = socialImage;
    return seo;
  }
  /** A scheduled post's time is part of what a save keeps; a draft's open picker is not yet a choice. */
  function choice() {
    return post && post.status === "scheduled" ? publishAt.value : null;
  }
  let savedContent = JSON.stringify(content());
  let savedChoice = JSON.stringify(choice());
  let savedExcerpt = excerptGiven;
  const contentDirty = () => JSON.stringify(content()) !== savedContent;
  const dirty = () => canEdit && (contentDirty() || JSON.stringify(choice()) !== savedChoice);

  ctx.leaveGuard = () => (dirty() ? "This post has changes that are not saved. Leave without saving them?" : null);

  function setLine(text) {
    if (line.textContent !== text) line.textContent = text;
  }

  function autosaves() {
    return !conflict && canEdit && (!post || post.status === "draft") && title.value.trim() !== "" && slugValid();
  }

  function changed() {
    if (destroyed) return;
    backup();
    if (inFlight) return;
    if (dirty()) setLine(conflict ? "Not saved" : "Unsaved changes");
    clearTimeout(autosaveTimer);
    if (contentDirty() && autosaves()) autosaveTimer = setTimeout(() => save("auto"), AUTOSAVE_MS);
  }

  function slugValid() {
    const value = slug.value.trim();
    return value === "" || (value.length <= 120 && SLUG.test(value));
  }
  function checkSlug() {
    const ok = slugValid();
    slugError.hidden = ok;
    slugError.textContent = ok ? "" : "A slug has only lowercase letters, digits and single hyphens (like my-first-post).";
    if (ok) slug.removeAttribute("aria-invalid");
    else slug.setAttribute("aria-invalid", "true");
    return ok;
  }

  // ---- A copy of unsaved work in this tab, for when the session ends or the tab reloads ----
  const backupKey = () => `folio.unsaved.${post ? post.id : "new"}`;
  let backupTimer = null;
  let keepBackup = true;
  function writeBackup() {
    clearTimeout(backupTimer);
    try {
      if (canEdit && contentDirty()) sessionStorage.setItem(backupKey(), JSON.stringify({ ...content(), at: Date.now() }));
    } catch {
      // Storage full or refused: the copy is a convenience, saving still works.
    }
  }
  function backup() {
    clearTimeout(backupTimer);
    backupTimer = setTimeout(writeBackup, 500);
  }
  /** Forgets the copy: after a save, or when the person chose to drop their text. */
  function dropBackup(key = backupKey()) {
    clearTimeout(backupTimer);
    try {
      sessionStorage.removeItem(key);
    } catch {
      // nothing to drop
    }
  }
  function offerBackup() {
    let stored = null;
    try {
      stored = JSON.parse(sessionStorage.getItem(backupKey()));
    } catch {
      stored = null;
    }
    if (!stored || !canEdit) return;
    const kept = {
      title: stored.title || "",
      slug: stored.slug || "",
      markdown: stored.markdown || "",
      tags: stored.tags || [],
      excerpt: stored.excerpt || "",
      feature_image: stored.feature_image || null,
    };
    if (JSON.stringify(kept) === savedContent) return dropBackup();
    const putBack = () => {
      title.value = kept.title;
      slug.value = kept.slug;
      markdown.value = kept.markdown;
      tags.value = kept.tags.join(", ");
      excerpt.value = kept.excerpt;
      featureImage = kept.feature_image;
      offer.replaceChildren();
      checkSlug();
      loadFeature();
      renderPreview();
      changed();
      markdown.focus();
    };
    const discard = () => {
      dropBackup();
      offer.replaceChildren();
      title.focus();
    };
    offer.replaceChildren(
      h(
        "div",
        { class: "card editor-offer-box", role: "status" },
        h("p", {}, `This tab kept text you had not saved (from ${stored.at ? clock(new Date(stored.at)) : "earlier"}). The editor shows the saved version.`),
        h(
          "div",
          { class: "row" },
          h("button", { type: "button", class: "secondary", onclick: putBack }, "Put my text back"),
          h("button", { type: "button", class: "link", onclick: discard }, "Discard it"),
        ),
      ),
    );
  }

  // ---- Publishing controls ----
  const waiting = () => Boolean(post && post.status === "draft" && post.review_requested_at);

  /** Brings the controls in line with the post as the server holds it. */
  function buildStatus() {
    const status = post ? post.status : "draft";
    // The picker starts closed; a scheduled post's time waits in it, to be changed.
    scheduling = false;
    publishAt.value = status === "scheduled" ? toSiteInput(post.publish_at) : "";
    if (status === "published") {
      liveText.textContent = `Published ${formatDate(post.published_at || post.updated_at)} · `;
    } else if (status === "scheduled") {
      liveText.textContent = `Scheduled for ${formatDate(post.publish_at)} — not on the site yet`;
    } else if (waiting()) {
      liveText.textContent = `Draft — waiting for review since ${formatDate(post.review_requested_at)}`;
    } else if (!canPublish) {
      liveText.textContent = "Draft — an editor will publish it once you submit it for review";
    } else {
      liveText.textContent = "Draft — not on the site";
    }
    viewLink.hidden = status !== "published";
    if (post) viewLink.href = `/${post.slug}/`;
    viewLink.textContent = `View ${noun()}`;
    showReviewNotice();
    controls();
  }

  /** Which buttons show, and what the primary one says, for the state and the open picker. */
  function controls() {
    const status = post ? post.status : "draft";
    const draft = status === "draft";
    saveButton.hidden = !draft;
    scheduleBox.hidden = !canPublish || !scheduling;
    closeSchedule.textContent = draft ? "Don't schedule" : "Keep the time";
    scheduleButton.textContent = draft ? "Schedule…" : "Change time…";
    scheduleButton.hidden = !canPublish || status === "published" || scheduling;
    scheduleButton.setAttribute("aria-expanded", String(scheduling));
    draftButton.hidden = !canPublish || draft;
    withdrawButton.hidden = !(own && waiting());
    let label = null;
    if (!canPublish) label = draft && !waiting() ? "Submit for review" : null;
    else if (draft) label = scheduling ? "Schedule" : "Publish";
    else label = "Update";
    primaryButton.hidden = label === null;
    if (label) primaryButton.textContent = label;
    // Where Save is the only action left (a contributor's submitted draft), it leads.
    saveButton.className = label === null ? "primary" : "secondary";
  }

  function setScheduling(on) {
    scheduling = on;
    if (!on) {
      publishAt.value = post && post.status === "scheduled" ? toSiteInput(post.publish_at) : "";
      changed();
    }
    controls();
    if (on) publishAt.focus();
    else scheduleButton.focus();
  }

  function primaryAction() {
    const status = post ? post.status : "draft";
    if (!canPublish) return save("manual", { review: true });
    if (status === "draft") return save("manual", { status: scheduling ? "scheduled" : "published" });
    // Update: a live post saves as it is; a scheduled one keeps (or moves to) the picked time.
    return save("manual", status === "scheduled" ? { status: "scheduled" } : null);
  }

  async function switchToDraft() {
    if (post && post.status === "published") {
      const sure = await confirmDialog(`Switch to draft? The ${noun()} leaves the site; your changes here are saved with it.`, "Switch to draft");
      if (!sure) return;
    }
    save("manual", { status: "draft" });
  }

  /** For those who may publish it: a draft someone submitted, and since when. */
  async function showReviewNotice() {
    if (!canPublish || !waiting()) {
      reviewNotice.hidden = true;
      reviewNotice.replaceChildren();
      return;
    }
    const since = formatDate(post.review_requested_at);
    const who = post.author === me.id ? "You" : (await authorName(post.author)) || "Its writer";
    if (destroyed || !waiting()) return;
    // Not ready yet: the editor hands it back (the writer sees it is no longer waiting).
    const sendBack = post.author === me.id
      ? null
      : h("button", { type: "button", class: "secondary small", onclick: () => save("manual", { review: false }) }, "Send back to the writer");
    reviewNotice.replaceChildren(
      h("div", { class: "card notice-box" },
        h("p", {},
          h("strong", {}, "Waiting for review. "),
          `${who} submitted this draft on ${since}. Publishing it (or scheduling it) answers the request; or send it back for more work.`),
        sendBack),
    );
    reviewNotice.hidden = false;
  }

  // ---- Feature image ----
  function showFeature(medium, problem) {
    removeFeature.hidden = !featureImage || !canEdit;
    if (!featureImage) {
      featureView.replaceChildren(h("p", { class: "muted" }, "None chosen."));
      return;
    }
    if (problem) {
      featureView.replaceChildren(h("p", { class: "error" }, problem));
      return;
    }
    if (!medium) {
      featureView.replaceChildren(h("p", { class: "muted" }, "Loading the image…"));
      return;
    }
    featureView.replaceChildren(
      h("figure", { class: "feature-thumb" },
        h("img", { src: thumbnailOf(medium), alt: medium.alt || "", width: 160, height: Math.round(160 * (medium.height / medium.width || 0.66)) }),
        h("figcaption", { class: "muted" }, medium.alt || medium.file_name || "Chosen image")),
    );
  }

  async function loadFeature() {
    if (!featureImage) return showFeature();
    showFeature(null);
    try {
      showFeature(await api("GET", `/api/v1/media/${featureImage}`));
    } catch (error) {
      showFeature(null, `The chosen image can't be shown: ${error.message}`);
    }
  }

  function showSocial(medium, problem) {
    removeSocial.hidden = !socialImage || !canEdit;
    if (!socialImage) return socialView.replaceChildren(h("p", { class: "muted" }, "The feature image."));
    if (problem) return socialView.replaceChildren(h("p", { class: "error" }, problem));
    if (!medium) return socialView.replaceChildren(h("p", { class: "muted" }, "Loading the image…"));
    socialView.replaceChildren(h("figure", { class: "feature-thumb" }, h("img", { src: thumbnailOf(medium), alt: medium.alt || "", width: 160, height: Math.round(160 * (medium.height / medium.width || 0.66)) })));
  }

  async function loadSocial() {
    if (!socialImage) return showSocial();
    showSocial(null);
    try {
      showSocial(await api("GET", `/api/v1/media/${socialImage}`));
    } catch (error) {
      showSocial(null, `The chosen image can't be shown: ${error.message}`);
    }
  }

  async function chooseSocialImage() {
    const medium = await pick("Choose a social image");
    chooseSocial.focus();
    if (!medium || destroyed) return;
    socialImage = medium.id;
    showSocial(medium);
    changed();
  }

  /** The media picker's choice, or null; a failure is shown, not thrown. */
  async function pick(title) {
    try {
      return await pickMedium(ctx, { title });
    } catch (error) {
      toast(error.message, "error");
      return null;
    }
  }

  async function chooseFeatureImage() {
    const medium = await pick("Choose a feature image");
    chooseFeature.focus();
    if (!medium || destroyed) return;
    featureImage = medium.id;
    showFeature(medium);
    changed();
  }

  function removeFeatureImage() {
    featureImage = null;
    showFeature();
    chooseFeature.focus();
    changed();
  }

  // ---- Insert image at the cursor ----
  async function insertImage() {
    const start = markdown.selectionStart;
    const end = markdown.selectionEnd;
    const medium = await pick("Insert an image");
    if (destroyed) return;
    const words = medium ? await describeForPost(ctx, medium) : null;
    if (destroyed) return;
    markdown.focus();
    markdown.setSelectionRange(start, end);
    if (!medium || !words) return;
    // On its own line: a picture inside a paragraph can't become a figure.
    const before = markdown.value.slice(0, start);
    const after = markdown.value.slice(end);
    const lead = before === "" || before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
    const trail = after.startsWith("\n\n") ? "" : after.startsWith("\n") ? "\n" : "\n\n";
    const text = `${lead}![${altForMarkdown(words.alt)}](media:${medium.id})${trail}`;
    // insertText keeps the browser's undo history; setRangeText is the fallback.
    if (!document.execCommand || !document.execCommand("insertText", false, text)) {
      markdown.setRangeText(text, start, end, "end");
      markdown.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  // ---- Insert a link to another post at the cursor ----
  async function insertLink() {
    const start = markdown.selectionStart;
    const end = markdown.selectionEnd;
    const selected = markdown.value.slice(start, end);
    const hit = await pickPost();
    if (destroyed) return;
    markdown.focus();
    markdown.setSelectionRange(start, end);
    if (!hit) return;
    // The selected words become the link's text; with none, the post's title.
    const label = (selected || hit.title || hit.slug).replace(/[[\]]/g, "\\$&");
    const text = `[${label}](/${hit.slug}/)`;
    if (!document.execCommand || !document.execCommand("insertText", false, text)) {
      markdown.setRangeText(text, start, end, "end");
      markdown.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  // ---- Preview ----
  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(renderPreview, PREVIEW_MS);
  }

  async function renderPreview() {
    const mine = ++previewSequence;
    const text = markdown.value;
    if (!text.trim()) {
      previewBody.replaceChildren(h("p", { class: "muted" }, "Nothing to preview yet. Write some Markdown and it shows here."));
      return;
    }
    preview.setAttribute("aria-busy", "true");
    try {
      const rendered = await api("POST", "/api/v1/render", { markdown: text });
      if (mine !== previewSequence || destroyed) return;
      showHtml(rendered.html);
      if (!excerpt.value.trim()) excerpt.placeholder = rendered.excerpt || "";
    } catch (error) {
      if (mine !== previewSequence || destroyed) return;
      previewBody.replaceChildren(h("p", { class: "error" }, `The preview could not be made. ${error.message}`));
    } finally {
      if (mine === previewSequence) preview.removeAttribute("aria-busy");
    }
  }

  function showHtml(html) {
    // The server's sanitised HTML (the same the public page shows); code colours come
    // from /static/highlight.css classes, so nothing here trips the admin's CSP.
    const template = document.createElement("template");
    template.innerHTML = html;
    previewBody.replaceChildren(template.content);
  }

  // ---- Saving ----
  function problem(message, focus) {
    say(alertBox, message);
    setLine("Not saved");
    if (focus) focus.focus();
    return false;
  }

  function showConflict() {
    conflict = true;
    clearTimeout(autosaveTimer);
    setLine("Not saved");
    alertBox.replaceChildren(
      h(
        "div",
        { class: "editor-conflict", role: "alert" },
        h("p", { class: "error" }, CONFLICT),
        h("button", { type: "button", class: "secondary", onclick: loadTheirs }, "Load their version"),
      ),
    );
  }

  async function loadTheirs() {
    const sure = await confirmDialog("Load their version? What you typed here since your last save will be lost.", "Load their version");
    if (sure) reload();
  }

  /** Re-renders this screen from the server (after a restore, or to take someone else's version). */
  function reload() {
    keepBackup = false;
    dropBackup();
    ctx.leaveGuard = null;
    ctx.navigate(`#/posts/${post.id}`);
  }

  /**
   * `kind` is "auto" (content only, drafts only) or "manual". `intent` is what the
   * button asked for besides saving: `{status}` (publish, schedule, switch to draft) or
   * `{review}` (submit for review, withdraw). Saves never overlap: one that comes while
   * another is on its way runs after it, on the new revision.
   */
  async function save(kind, intent = null) {
    if (destroyed || !canEdit) return;
    if (inFlight) {
      if (kind === "manual") queued = { kind, intent };
      else if (!queued) queued = { kind, intent };
      return;
    }
    clearTimeout(autosaveTimer);
    if (kind === "auto" && (!autosaves() || !contentDirty())) return;
    inFlight = attempt(kind, intent);
    let ok = false;
    try {
      ok = await inFlight;
    } finally {
      inFlight = null;
    }
    if (destroyed) return;
    const next = queued;
    queued = null;
    if (next) save(next.kind, next.intent);
    // After a failure autosave waits for the next edit instead of retrying every few seconds.
    else if (ok) changed();
  }

  async function attempt(kind, intent) {
    const values = content();
    const status = intent && intent.status ? intent.status : null;
    // Ctrl+S on a scheduled post keeps it scheduled, at the time the picker shows.
    const schedule = status === "scheduled" || (!status && kind === "manual" && canPublish && post && post.status === "scheduled");
    if (kind === "manual") {
      if (!values.title) return problem("Give the post a title before saving.", title);
      if (!checkSlug()) return problem("The slug isn't valid: use lowercase letters, digits and single hyphens.", slug);
      if (schedule) {
        const at = publishAt.value ? fromSiteInput(publishAt.value) : null;
        if (!at || Number.isNaN(at.getTime())) return problem("Choose the date and time to publish at.", publishAt);
        if (at.getTime() <= Date.now()) return problem("That time has passed: choose a later one, or publish now.", publishAt);
      }
    }
    const creating = !post;
    const body = {
      title: values.title,
      markdown: values.markdown,
      tags: values.tags,
      feature_image: values.feature_image,
      seo: values.seo,
      type: values.type,
    };
    if (values.slug) body.slug = values.slug;
    if (values.excerpt !== savedExcerpt) body.excerpt = values.excerpt || null;
    if (schedule) {
      body.status = "scheduled";
      body.publish_at = fromSiteInput(publishAt.value).toISOString();
    } else if (status) {
      body.status = status;
    }
    if (intent && typeof intent.review === "boolean") body.review = intent.review;
    if (!creating) body.revision = post.revision;
    // The history labels it, and keeps a few minutes of autosaves as one revision.
    if (kind === "auto") body.autosave = true;
    // Saving what an earlier revision brought back: the history calls it a restore.
    else if (restoredPending && !creating) body.restored = true;

    setLine("Saving…");
    const before = post ? post.status : "draft";
    const wasWaiting = waiting();
    let saved;
    try {
      saved = creating
        ? await api("POST", "/api/v1/posts", body)
        : await api("PATCH", `/api/v1/posts/${post.id}`, body);
    } catch (error) {
      if (destroyed) return false;
      if (error.status === 409 && error.code === "stale_revision") showConflict();
      else problem(error.message);
      return false;
    }
    if (destroyed) return false;
    post = saved;
    if (creating) {
      // The editor stays as it is; only the address changes, so a reload finds this post.
      ctx.replaceHash(`#/posts/${post.id}`);
      heading.textContent = `Edit ${noun()}`;
      document.title = `Edit ${noun()} · Folio admin`;
      main.querySelector(".editor-page").append(more);
    }
    // Fill in what the server decided (a slug made from the title) unless it was edited meanwhile.
    if (slug.value.trim() === values.slug) slug.value = post.slug;
    savedContent = JSON.stringify({ ...values, slug: post.slug });
    if (body.restored) restoredPending = false;
    if (creating) dropBackup("folio.unsaved.new");
    if (!contentDirty()) dropBackup();
    savedExcerpt = values.excerpt;
    if (kind === "manual" || post.status !== before) {
      // The controls now show what the server holds.
      buildStatus();
      savedChoice = JSON.stringify(choice());
    }
    say(alertBox, null);
    setLine(`Saved at ${clock()}`);
    if (post.status !== before || (post.status === "scheduled" && schedule)) {
      if (post.status === "published") toast(`Published. It is on the site now.`);
      else if (post.status === "scheduled") toast(`Scheduled for ${formatDate(post.publish_at)}.`);
      else if (before === "published") toast("Switched to draft: it is no longer on the site.");
      else if (before === "scheduled") toast("Switched to draft: it will not be published.");
    } else if (waiting() && !wasWaiting) {
      toast("Submitted for review. Editors see it in their list.");
    } else if (wasWaiting && !waiting()) {
      toast(canPublish && post.author !== me.id ? "Sent back to the writer: a draft again, no longer waiting for review." : "Withdrawn from review.");
    }
    if (historyPanel.open) loadHistory();
    return true;
  }

  let writers = null;
  /** A writer's name, for the review notice; the list of authors is asked for once. */
  async function authorName(id) {
    if (!writers) {
      writers = api("GET", "/api/v1/authors")
        .then((list) => new Map(list.map((a) => [a.id, a.name])))
        .catch(() => new Map());
    }
    return (await writers).get(id);
  }

  // ---- History (history.js draws it; restoring changes this editor's fields) ----
  const authorNames = new Map();
  async function loadHistory() {
    if (!post) return;
    try {
      await showHistory(historyBody, {
        get post() { return post; },
        me,
        names: authorNames,
        current: () => ({ title: title.value.trim(), markdown: markdown.value, tags: parseTags(tags.value), feature_image: featureImage }),
        restore,
        destroyed: () => destroyed,
      });
    } catch (error) {
      if (!destroyed) say(historyBody, error.message);
    }
  }

  async function restore(revision) {
    const live = post.status === "published";
    const how = await askRestore(revision.revision, { live, dirty: dirty() });
    if (!how || destroyed) return;
    if (how === "load") return loadRevision(revision);
    try {
      await api("POST", `/api/v1/posts/${post.id}/revisions/${revision.revision}/restore`, how === "publish" ? { publish: true } : {});
      toast(how === "publish" ? `Revision ${revision.revision} restored and published.` : `Revision ${revision.revision} restored.`);
      reload();
    } catch (error) {
      toast(error.message, "error");
    }
  }

  /** A revision into the editor as unsaved changes (a published post stays as it is until saved). */
  function loadRevision(revision) {
    restoredPending = true;
    title.value = revision.title;
    markdown.value = revision.markdown;
    excerpt.value = revision.excerpt || "";
    // As a restore on the server: nothing the revision lacks is taken away.
    tags.value = restoredTags(revision.tags, parseTags(tags.value)).join(", ");
    if (revision.feature_image && revision.feature_image !== featureImage) {
      featureImage = revision.feature_image;
      loadFeature();
    }
    checkSlug();
    renderPreview();
    changed();
    toast(`Revision ${revision.revision} is in the editor, not saved. The live page stays as it is until you save.`);
    title.focus();
  }

  // ---- Preview link ----
  // The link's address is shown once, when made: only its hash is kept.
  const previewPath = () => `/api/v1/posts/${post.id}/preview-link`;
  async function loadShare() {
    if (!post) return;
    shareBody.replaceChildren(h("p", { class: "muted" }, "Loading…"));
    try {
      const state = await api("GET", previewPath());
      if (destroyed) return;
      showShare(state, null);
    } catch (error) {
      if (!destroyed) say(shareBody, error.message);
    }
  }

  function showShare(state, url) {
    const about = h("p", { class: "muted" }, "Anyone with the link can read this post as the site will show it, signed out and before it is published, until you revoke the link. Search engines are asked not to index it.");
    const children = [about];
    if (url) {
      const address = h("input", { type: "text", readonly: true, value: url, id: "preview-link-url", class: "share-url" });
      address.addEventListener("focus", () => address.select());
      const copy = h("button", { type: "button", class: "secondary small", onclick: async () => {
        try {
          await navigator.clipboard.writeText(url);
          toast("Link copied.");
        } catch {
          address.focus();
          toast("Select the link and copy it (Ctrl+C).");
        }
      } }, "Copy link");
      children.push(field("Preview link", address, "Copy it now: it is not shown again. Making a new one stops this one working."), h("div", { class: "row" }, copy, h("a", { href: url, target: "_blank", rel: "noopener" }, "Open")));
    } else if (state.active) {
      children.push(h("p", {}, "A preview link made ", h("time", { datetime: state.created_at }, formatDate(state.created_at)), " is working."));
    } else {
      children.push(h("p", {}, "This post has no preview link."));
    }
    const make = h("button", { type: "button", class: "secondary small", onclick: makeShare }, state.active || url ? "Make a new link" : "Make a preview link");
    const revoke = h("button", { type: "button", class: "danger small", onclick: revokeShare }, "Revoke link");
    children.push(h("div", { class: "row" }, make, state.active || url ? revoke : null));
    shareBody.replaceChildren(...children);
  }

  async function makeShare() {
    try {
      const link = await api("POST", previewPath());
      if (destroyed) return;
      showShare({ active: true, created_at: link.created_at }, link.url);
      document.getElementById("preview-link-url")?.focus();
    } catch (error) {
      toast(error.message, "error");
    }
  }

  async function revokeShare() {
    const sure = await confirmDialog("Revoke the preview link? Whoever has it will see “Page not found”.", "Revoke link");
    if (!sure) return;
    try {
      await api("DELETE", previewPath());
      toast("Preview link revoked.");
      if (!destroyed) showShare({ active: false }, null);
    } catch (error) {
      toast(error.message, "error");
    }
  }

  // ---- Delete ----
  async function deletePost() {
    const name = title.value.trim() || post.title;
    const sure = await confirmDialog(`Delete “${name}”? This can't be undone.`, "Delete post");
    if (!sure) return;
    try {
      await api("DELETE", `/api/v1/posts/${post.id}`);
      keepBackup = false;
      dropBackup();
      ctx.leaveGuard = null;
      toast("Post deleted.");
      ctx.navigate("#/posts");
    } catch (error) {
      toast(error.message, "error");
    }
  }

  // ---- Wiring ----
  for (const control of [title, slug, tags, excerpt, metaTitle, metaDescription, canonical]) control.addEventListener("input", changed);
  kind.addEventListener("change", changed);
  markdown.addEventListener("input", () => {
    changed();
    schedulePreview();
  });
  slug.addEventListener("input", checkSlug);
  publishAt.addEventListener("input", changed);
  // Enter in the time field schedules, as a form's Enter would submit.
  publishAt.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      primaryAction();
    }
  });

  function onKey(event) {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "s") {
      event.preventDefault();
      if (!document.querySelector("dialog[open]")) save("manual");
    }
  }
  document.addEventListener("keydown", onKey);

  buildStatus();
  savedChoice = JSON.stringify(choice());
  setLine(post ? `Last saved ${formatDate(post.updated_at)}` : "Not saved yet");
  loadFeature();
  loadSocial();
  renderPreview();
  if (!post) title.focus();
  offerBackup();

  // Leaving keeps a copy of unsaved text (also when the session ended and the sign-in
  // screen replaced this one): it is offered again the next time this post opens.
  return () => {
    if (keepBackup) writeBackup();
    destroyed = true;
    clearTimeout(backupTimer);
    clearTimeout(autosaveTimer);
    clearTimeout(previewTimer);
    document.removeEventListener("keydown", onKey);
    writing.destroy();
  };
}
