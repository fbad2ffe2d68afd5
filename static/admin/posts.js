// The posts list (`#/posts`): filters, one page of posts as a table, and paging; for
// editors, the drafts waiting for their review.

import { api } from "./api.js";
import { h, field, say, formatDate } from "./ui.js";

const STATUSES = [
  ["", "Any status"],
  ["draft", "Draft"],
  ["scheduled", "Scheduled"],
  ["published", "Published"],
  // Not a status of its own: drafts whose writer asked for a review (`?review=waiting`).
  ["review", "Waiting for review"],
];
const STATUS_LABEL = { draft: "Draft", scheduled: "Scheduled", published: "Published" };

// The filters live in the address (`#/posts?status=draft&page=2`), so a filtered
// list can be bookmarked and Back returns to it; they are also kept for the
// session, so "Posts" in the navigation comes back to the same list.
const TYPES = [
  ["", "Posts and pages"],
  ["post", "Posts"],
  ["page", "Pages"],
];
const remembered = { q: "", status: "", type: "", tag: "", author: "", page: 1 };
const FILTER_KEYS = ["q", "status", "type", "tag", "author"];

function filtersFrom(query) {
  if (!query || ![...FILTER_KEYS, "page"].some((key) => query.has(key))) return { ...remembered };
  const filters = { q: "", status: "", type: "", tag: "", author: "", page: 1 };
  for (const key of FILTER_KEYS) filters[key] = query.get(key) || "";
  filters.page = Math.max(1, Number.parseInt(query.get("page") || "1", 10) || 1);
  return filters;
}

function hashFor(filters) {
  const query = new URLSearchParams();
  for (const key of FILTER_KEYS) if (filters[key].trim()) query.set(key, filters[key].trim());
  if (filters.page > 1) query.set("page", String(filters.page));
  const text = query.toString();
  return text ? `#/posts?${text}` : "#/posts";
}

function option(value, label, selected) {
  return h("option", { value, selected: value === selected }, label);
}

/** The date that matters for a post's status, as "Published …", "Scheduled for …" or "Updated …". */
function when(post) {
  const [label, iso] =
    post.status === "published" ? ["Published", post.published_at || post.updated_at]
    : post.status === "scheduled" ? ["Scheduled for", post.publish_at]
    : ["Updated", post.updated_at];
  return h("span", {}, `${label} `, h("time", { datetime: iso }, formatDate(iso)));
}

export async function render(main, ctx, params = {}) {
  const filters = filtersFrom(params.query);
  Object.assign(remembered, filters);

  const search = h("input", { type: "search", name: "q", value: filters.q, autocomplete: "off", placeholder: "Words in the title or text" });
  const status = h("select", { name: "status" }, STATUSES.map(([value, label]) => option(value, label, filters.status)));
  const type = h("select", { name: "type" }, TYPES.map(([value, label]) => option(value, label, filters.type)));
  const tag = h("select", { name: "tag" }, option("", "Any tag", filters.tag));
  const author = h("select", { name: "author" }, option("", "Any author", filters.author));

  const summary = h("p", { class: "muted posts-summary", role: "status", "aria-live": "polite" });
  const reviewBox = h("div", { class: "posts-review", hidden: true });
  const feedback = h("div", { class: "feedback" });
  const results = h("div", { class: "posts-results" });
  const previous = h("button", { type: "button", class: "secondary", disabled: true, onclick: () => go(filters.page - 1) }, "Previous");
  const next = h("button", { type: "button", class: "secondary", disabled: true, onclick: () => go(filters.page + 1) }, "Next");
  const pager = h("nav", { class: "row posts-pager", "aria-label": "Pages of posts", hidden: true }, previous, h("span", { class: "muted" }), next);

  main.replaceChildren(
    h(
      "div",
      { class: "spread posts-head" },
      h("h1", {}, "Posts"),
      h("div", { class: "row" },
        h("a", { class: "button-link secondary", href: "#/posts/new?type=page" }, "New page"),
        h("a", { class: "button-link primary", href: "#/posts/new" }, "New post")),
    ),
    h(
      "form",
      { class: "posts-filters", role: "search", "aria-label": "Filter posts", onsubmit: (event) => { event.preventDefault(); refilter(); } },
      field("Search posts", search),
      field("Status", status),
      field("Type", type),
      field("Tag", tag),
      field("Author", author),
    ),
    reviewBox,
    summary,
    feedback,
    results,
    pager,
  );

  let names = new Map();
  let sequence = 0;
  let debounce = null;

  async function load() {
    const mine = ++sequence;
    const query = new URLSearchParams();
    // The API refuses empty values (`status=`), so only chosen filters are sent.
    for (const key of ["status", "type", "tag", "author", "q"]) {
      const value = key === "q" ? filters.q.trim() : filters[key];
      if (key === "status" && value === "review") query.set("review", "waiting");
      else if (value) query.set(key, value);
    }
    query.set("page", String(filters.page));
    // The address follows the filters without adding a history entry per keystroke.
    if (location.hash !== hashFor(filters)) ctx.replaceHash(hashFor(filters));
    results.setAttribute("aria-busy", "true");
    try {
      // Words alone go to search (ranked, titles and text, the last word as
      // typed so far); with other filters, the list's own title filter applies.
      const words = filters.q.trim();
      const page = words && !filters.status && !filters.tag && !filters.author
        ? await searched(words, filters.page)
        : await api("GET", `/api/v1/posts?${query}`);
      if (mine !== sequence) return;
      // Past the last page (a post was deleted meanwhile): show the last one that exists.
      const pages = Math.max(1, Math.ceil(page.total / page.per_page));
      if (page.posts.length === 0 && page.total > 0 && filters.page > pages) {
        filters.page = pages;
        remembered.page = pages;
        return load();
      }
      say(feedback, null);
      show(page, pages);
    } catch (error) {
      if (mine !== sequence) return;
      say(feedback, error.message);
      feedback.append(h("button", { type: "button", class: "secondary small", onclick: load }, "Try again"));
      summary.textContent = "";
    } finally {
      if (mine === sequence) results.removeAttribute("aria-busy");
    }
  }

  /** A page of search's hits, in the shape of the posts list's pages. */
  async function searched(words, number) {
    const query = new URLSearchParams({ q: words, prefix: "true", page: String(number), per_page: "20" });
    const found = await api("GET", `/api/v1/search?${query}`);
    return { page: found.page, per_page: found.per_page, total: found.total, posts: found.hits };
  }

  function filtered() {
    return Boolean(filters.q.trim() || filters.status || filters.tag || filters.author);
  }

  function show(page, pages) {
    // A title search counts its matches only so far: then the total is "at least".
    const more = page.total_exact === false ? "+" : "";
    const count = `${page.total.toLocaleString("en")}${more} post${page.total === 1 && !more ? "" : "s"}`;
    summary.textContent = filtered() ? `${count} ${page.total === 1 && !more ? "matches" : "match"} these filters.` : page.total ? `${count}.` : "";
    if (page.posts.length === 0) {
      results.replaceChildren(
        filtered()
          ? h("div", { class: "card posts-empty" },
              h("p", {}, "No posts match these filters."),
              h("button", { type: "button", class: "secondary", onclick: clearFilters }, "Clear filters"))
          : h("div", { class: "card posts-empty" },
              h("p", {}, "There are no posts yet. Write the first one with “New post”.")),
      );
      pager.hidden = true;
      return;
    }
    results.replaceChildren(
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          // Explicit roles: on a phone the rows are laid out as blocks, which can drop table semantics.
          { class: "posts-table", role: "table" },
          h("caption", { class: "posts-caption" }, `Posts, page ${page.page} of ${pages}${more}`),
          h("thead", { role: "rowgroup" }, h("tr", { role: "row" },
            ["Title", "Status", "Author", "Tags", "Date"].map((name) => h("th", { scope: "col", role: "columnheader" }, name)))),
          h("tbody", { role: "rowgroup" }, page.posts.map((post) => h(
            "tr",
            { role: "row" },
            h("td", { class: "posts-title", role: "cell" },
              h("a", { href: `#/posts/${post.id}` }, post.title || "(untitled)"),
              post.type === "page" ? h("span", { class: "muted posts-kind" }, " · page") : null),
            h("td", { class: "posts-status", role: "cell" },
              h("span", { class: `badge ${post.status}` }, STATUS_LABEL[post.status] || post.status),
              post.review_requested_at && post.status === "draft" ? h("span", { class: "badge review" }, "Waiting for review") : null),
            h("td", { class: "posts-author", role: "cell" }, names.get(post.author) || (post.author === ctx.me.id ? ctx.me.name : "—")),
            h("td", { class: `posts-tags${post.tags.length ? "" : " none"}`, role: "cell" }, post.tags.length ? post.tags.map((t) => t.name).join(", ") : h("span", { class: "muted" }, "—")),
            h("td", { class: "posts-date", role: "cell" }, when(post)),
          ))),
        ),
      ),
    );
    pager.hidden = pages <= 1;
    // A button that becomes disabled drops keyboard focus; hand it to the other one.
    const focused = document.activeElement;
    previous.disabled = page.page <= 1;
    next.disabled = page.page >= pages;
    if (focused === next && next.disabled && !pager.hidden) previous.focus();
    if (focused === previous && previous.disabled && !pager.hidden) next.focus();
    pager.children[1].textContent = `Page ${page.page} of ${pages}${more}`;
  }

  function go(page) {
    filters.page = Math.max(1, page);
    remembered.page = filters.page;
    load();
  }

  function refilter() {
    filters.q = search.value;
    filters.status = status.value;
    filters.type = type.value;
    filters.tag = tag.value;
    filters.author = author.value;
    filters.page = 1;
    Object.assign(remembered, filters);
    load();
  }

  function clearFilters() {
    search.value = "";
    status.value = type.value = tag.value = author.value = "";
    refilter();
    search.focus();
  }

  search.addEventListener("input", () => {
    clearTimeout(debounce);
    debounce = setTimeout(refilter, 300);
  });
  for (const select of [status, type, tag, author]) select.addEventListener("change", refilter);

  // Tags and authors only fill the filters: the list works without them.
  const [tags, authors] = await Promise.all([
    api("GET", "/api/v1/tags").catch(() => null),
    api("GET", "/api/v1/authors").catch(() => null),
  ]);
  if (tags) tag.append(...tags.map((t) => option(t.slug, t.name, filters.tag)));
  if (authors) {
    names = new Map(authors.map((a) => [a.id, a.name]));
    author.append(...authors.map((a) => option(a.id, a.name, filters.author)));
  }
  // A remembered filter whose tag or author is gone would hide everything silently.
  if (tag.value !== filters.tag || author.value !== filters.author) {
    filters.tag = tag.value;
    filters.author = author.value;
    Object.assign(remembered, filters);
  }
  await Promise.all([load(), loadWaiting()]);

  /** For those who publish others' posts: how many drafts wait for them, one click from the list. */
  async function loadWaiting() {
    if (!ctx.can("edit_any")) return;
    let waiting = 0;
    try {
      waiting = (await api("GET", "/api/v1/posts?review=waiting&per_page=1")).total;
    } catch {
      // Only a pointer: the list itself says what went wrong, if anything did.
      return;
    }
    if (!waiting || filters.status === "review") {
      reviewBox.hidden = true;
      return;
    }
    reviewBox.replaceChildren(
      h("p", { class: "card posts-review-box" },
        h("strong", {}, `Waiting for review (${waiting.toLocaleString("en")})`),
        ` ${waiting === 1 ? "A draft is" : "Drafts are"} waiting for an editor to publish ${waiting === 1 ? "it" : "them"}. `,
        h("a", { href: "#/posts?status=review" }, waiting === 1 ? "Show it" : "Show them")),
    );
    reviewBox.hidden = false;
  }

  return () => clearTimeout(debounce);
}
