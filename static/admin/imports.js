// The import and export screen (#/import), for administrators and the owner: upload a WordPress (WXR) or Ghost (JSON)
// export, follow the import while the server runs it in the background (polled every half second), then
// read its report — what came in, what was skipped, and each warning and failure with its post's title.
// Coming back to the screen shows the import under way, or the last one's report.

import { api, upload } from "./api.js";
import { h, say, field, formatDate } from "./ui.js";

const POLL_MS = 500;

const PHASES = {
  uploading: "Uploading",
  unpacking: "Unpacking the images",
  checking: "Checking the whole file",
  reading: "Reading authors and images",
  importing: "Importing posts and pages",
  redirects: "Adding redirects from the old addresses",
};

// Each phase reads the file (or its posts) from the start again: the step says how far along the whole is.
const STEPS = {
  wordpress: ["checking", "reading", "importing", "redirects"],
  wordpressWithImages: ["unpacking", "checking", "reading", "importing", "redirects"],
  ghost: ["reading", "importing"],
};

const SOURCES = {
  wordpress: {
    label: "WordPress",
    accept: ".xml,.wxr,application/xml,text/xml",
    hint: "In WordPress: Tools → Export → All content. The file ends in .xml.",
  },
  ghost: {
    label: "Ghost",
    accept: ".json,application/json",
    hint: "In Ghost: Settings → Advanced → Import/Export → Export content. The file ends in .json.",
  },
};

/** "1 post", "3 posts". */
function count(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

function bytes(n) {
  if (n < 1000) return `${n} bytes`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(0)} kB`;
  return `${(n / 1_000_000).toFixed(1)} MB`;
}

/** The server's sentence, ended (it starts with a file's name: no capital letter is forced on it). */
function fullStop(text) {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** A sentence whose `quoted` parts (a command to run) become <code>. */
function withCode(text) {
  return text.split("`").map((part, i) => (i % 2 ? h("code", {}, part) : part));
}

/** "a, b and c". */
function list(parts) {
  if (parts.length <= 1) return parts.join("");
  return `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

/** The report's counts as one readable sentence: "12 posts and 3 pages imported, 2 authors created, …". */
export function summary(report) {
  const would = report.dry_run;
  const parts = [`${count(report.posts_created, "post")} and ${count(report.pages_created, "page")} ${would ? "would be imported" : "imported"}`];
  if (report.authors_created) parts.push(`${count(report.authors_created, "author")} created`);
  if (report.authors_matched) parts.push(`${count(report.authors_matched, "author")} matched to existing accounts`);
  if (report.media_imported) parts.push(`${count(report.media_imported, "image")} ${would ? "would be imported" : "imported"}`);
  if (report.redirects_added) parts.push(`${count(report.redirects_added, "old address", "old addresses")} ${would ? "would be redirected" : "redirected"} to the new pages`);
  if (report.already_imported) parts.push(`${report.already_imported} already imported by an earlier run (left as they were)`);
  return `${list(parts)}.`;
}

/**
 * The way out: plain links, so the browser shows the download as its own (the server writes the file first —
 * a large site takes a while before the download starts).
 */
function exportCard() {
  const link = (format, label, hint) =>
    h(
      "li",
      {},
      h("a", { class: "button", href: `/api/v1/export?format=${format}`, download: "" }, label),
      " ",
      h("small", { class: "hint" }, hint),
    );
  return h(
    "section",
    { class: "card import-export", "aria-labelledby": "export-h" },
    h("h2", { id: "export-h" }, "Export the site"),
    h(
      "p",
      { class: "hint" },
      "Everything, drafts included: posts and pages, tags, authors, images and redirects. Folio imports either file back into an empty site whole.",
    ),
    h(
      "ul",
      { class: "export-links" },
      link("wxr", "Download for WordPress (.xml)", "WordPress imports it: Tools → Import → WordPress. It fetches the images from this site."),
      link("zip", "Download everything (.zip)", "The WordPress file, every post and page as Markdown, and every image."),
    ),
  );
}

export async function render(main) {
  let polling = null;
  let left = false;

  // --- The form ----------------------------------------------------------------------
  const radios = Object.entries(SOURCES).map(([value, source], i) =>
    h("input", { type: "radio", name: "source", value, checked: i === 0 ? "checked" : null }),
  );
  const file = h("input", { type: "file", name: "file", accept: SOURCES.wordpress.accept, required: true });
  const fileField = field("Export file", file, SOURCES.wordpress.hint);
  const dryRun = h("input", { type: "checkbox", name: "dry_run" });
  const uploads = h("input", { type: "file", name: "uploads", accept: ".zip,application/zip" });
  const imagesField = field(
    "Images: the uploads folder as a .zip (optional)",
    uploads,
    "Zip the old site's wp-content/uploads folder and choose it here to import the images too. Without it, images stay on the old site.",
  );
  imagesField.id = "import-images";
  const feedback = h("div", { class: "feedback" });
  const button = h("button", { type: "submit", class: "primary" }, "Import");

  function chosen() {
    return radios.find((r) => r.checked).value;
  }
  function showSource() {
    const source = SOURCES[chosen()];
    file.accept = source.accept;
    fileField.querySelector(".hint").textContent = source.hint;
    imagesField.hidden = chosen() !== "wordpress";
  }
  function showButton() {
    button.textContent = dryRun.checked ? "Check" : "Import";
  }
  radios.forEach((r) => r.addEventListener("change", showSource));
  dryRun.addEventListener("change", showButton);

  const form = h(
    "form",
    { class: "card people-form import-form", novalidate: true, "aria-labelledby": "import-new-h", onsubmit: start },
    h("h2", { id: "import-new-h" }, "Import an export"),
    h("p", { class: "hint" }, "Brings in posts, pages, authors, tags and categories, with their dates, statuses and old addresses (which then lead to the new pages). Importing the same file again creates nothing twice."),
    h(
      "fieldset",
      {},
      h("legend", {}, "From"),
      radios.map((radio) => [h("label", { class: "choice" }, radio, ` ${SOURCES[radio.value].label}`), " "]),
    ),
    fileField,
    imagesField,
    h("div", { class: "field" }, h("label", { class: "choice" }, dryRun, " Check only (dry run)"), h("small", { class: "hint" }, "Reads the whole file and reports what would come in; writes nothing.")),
    feedback,
    h("div", { class: "row" }, button),
  );

  // --- Progress ----------------------------------------------------------------------
  const progressHeading = h("h2", { id: "import-progress-h", tabindex: "-1" }, "Importing");
  const bar = h("progress", { max: "1", value: "0", "aria-labelledby": "import-progress-h" });
  // Announced: the phase, as it changes (not every half-second's numbers).
  const phaseText = h("p", { role: "status", "aria-live": "polite", class: "import-phase" });
  const numbers = h("p", { class: "muted import-numbers" });
  const progressBox = h("section", { class: "card import-progress", "aria-labelledby": "import-progress-h", hidden: true }, progressHeading, bar, phaseText, numbers);

  // --- Report ------------------------------------------------------------------------
  const reportBox = h("section", { class: "import-report", "aria-labelledby": "import-report-h", hidden: true });

  function showProgress(job, uploaded) {
    progressBox.hidden = false;
    progressHeading.textContent = `${job.dry_run ? "Checking" : "Importing"} ${job.file_name || "the export"}`;
    const p = job.progress;
    const steps = STEPS[job.source === "wordpress" && job.uploads ? "wordpressWithImages" : job.source] || [];
    const step = steps.indexOf(p.phase);
    const phase = `${step >= 0 ? `Step ${step + 1} of ${steps.length}: ` : ""}${PHASES[p.phase] || p.phase}…`;
    if (phaseText.textContent !== phase) phaseText.textContent = phase;
    if (uploaded !== undefined) {
      bar.max = 1;
      bar.value = uploaded;
      numbers.textContent = `${Math.round(uploaded * 100)} % sent`;
      return;
    }
    if (p.phase === "importing" && p.items_total) {
      bar.max = p.items_total;
      bar.value = Math.min(p.items_done, p.items_total);
    } else if (p.bytes_total) {
      bar.max = p.bytes_total;
      bar.value = Math.min(p.bytes_read, p.bytes_total);
    } else {
      bar.removeAttribute("value"); // indeterminate
    }
    const parts = [];
    if (p.bytes_total) parts.push(`${bytes(p.bytes_read)} of ${bytes(p.bytes_total)} read`);
    if (p.items_total) parts.push(`${p.items_done} of ${count(p.items_total, "post or page", "posts and pages")} done`);
    numbers.textContent = parts.join(" · ");
  }

  function items(title, entries, id) {
    if (!entries.length) return [];
    return [
      h("h3", { id }, `${title} (${entries.length})`),
      h(
        "ul",
        { class: "import-items", "aria-labelledby": id },
        entries.map((entry) => h(
          "li",
          {},
          h("strong", {}, entry.title || "(untitled)"),
          entry.source_id ? h("span", { class: "muted" }, ` #${entry.source_id}`) : null,
          h("span", {}, ` — ${entry.message}`),
        )),
      ),
    ];
  }

  function showReport(job, { focus = false, last = false } = {}) {
    progressBox.hidden = true;
    reportBox.hidden = false;
    const what = job.dry_run ? "Check" : "Import";
    const title = job.state === "failed" ? `${what} failed` : `${what} report`;
    const heading = h("h2", { id: "import-report-h", tabindex: "-1" }, last ? `Last import: ${title.toLowerCase()}` : title);
    const about = h("p", { class: "muted" }, `${job.file_name || "The export"} (${job.source === "ghost" ? "Ghost" : "WordPress"}${job.uploads ? ", with its images" : ""}), started by ${job.by} on ${formatDate(job.started_at)}${job.dry_run ? ", check only" : ""}.`);
    if (job.state === "failed") {
      reportBox.replaceChildren(heading, about, h("p", { class: "error", role: "alert" }, fullStop(job.error || "The import failed")));
    } else {
      const r = job.report;
      const f = r.file;
      const skipped = Object.entries(r.skipped || {}).map(([kind, n]) => `${n} ${kind}`);
      reportBox.replaceChildren(
        heading,
        about,
        h(
          "div",
          { class: "card import-summary" },
          h("p", { class: "import-headline" }, summary(r)),
          r.dry_run ? h("p", { class: "notice" }, "This was a check: nothing was written.") : null,
          h(
            "ul",
            { class: "import-facts" },
            h("li", {}, `The file holds ${count(f.posts, "post")}, ${count(f.pages, "page")}, ${count(f.attachments, "attachment")}, ${count(f.authors, "author")}, ${count(f.terms, "category or tag", "categories and tags")} and ${count(f.comments, "comment")}.`),
            skipped.length ? h("li", {}, `Skipped: ${list(skipped)}.`) : null,
            r.authors_created ? h("li", {}, `New authors are contributors with no password: set one in People for those who should sign in.`) : null,
            r.redirects_kept ? h("li", {}, `${count(r.redirects_kept, "old address", "old addresses")} already led somewhere (an earlier import, or a live page here).`) : null,
          ),
          r.notes.map((note) => h("p", { class: "import-note" }, withCode(note))),
        ),
        ...items("Not imported", r.failed, "import-failed-h"),
        ...items("Warnings", r.warnings, "import-warnings-h"),
        r.dry_run ? null : h("p", {}, h("a", { href: "#/posts" }, "See the posts")),
      );
    }
    if (focus) heading.focus();
  }

  /** Follows the import `id` until it ends; `first` is what the server answered when it started. */
  async function follow(first) {
    let job = first;
    form.querySelectorAll("input, button").forEach((el) => { el.disabled = true; });
    reportBox.hidden = true;
    try {
      while (!left && job.state === "running") {
        showProgress(job);
        await new Promise((resolve) => { polling = setTimeout(resolve, POLL_MS); });
        if (left) return;
        job = await api("GET", `/api/v1/imports/${job.id}`);
      }
      if (!left) showReport(job, { focus: true });
    } catch (error) {
      if (!left) {
        progressBox.hidden = true;
        say(feedback, error.message);
      }
    } finally {
      form.querySelectorAll("input, button").forEach((el) => { el.disabled = false; });
      if (!left) showSource();
    }
  }

  async function start(event) {
    event.preventDefault();
    file.removeAttribute("aria-invalid");
    if (!file.files.length) {
      file.setAttribute("aria-invalid", "true");
      say(feedback, "Choose the export file.");
      file.focus();
      return;
    }
    say(feedback, null);
    const body = new FormData();
    body.append("source", chosen());
    body.append("dry_run", dryRun.checked ? "true" : "false");
    body.append("file", file.files[0]);
    if (chosen() === "wordpress" && uploads.files.length) body.append("uploads", uploads.files[0]);
    const name = file.files[0].name;
    form.querySelectorAll("input, button").forEach((el) => { el.disabled = true; });
    reportBox.hidden = true;
    const sending = { file_name: name, dry_run: dryRun.checked, progress: { phase: "uploading" } };
    if (chosen() === "wordpress" && uploads.files.length) sending.file_name += ` and ${uploads.files[0].name}`;
    showProgress(sending, 0);
    // The button is disabled now: focus goes where the news will be (and, on a phone, into view).
    progressHeading.focus();
    let job;
    try {
      job = await upload("/api/v1/imports", body, (fraction) => { if (!left) showProgress(sending, fraction); });
    } catch (error) {
      progressBox.hidden = true;
      form.querySelectorAll("input, button").forEach((el) => { el.disabled = false; });
      say(feedback, error.message);
      file.focus();
      return;
    }
    await follow(job);
  }

  main.replaceChildren(h("h1", {}, "Import and export"), form, progressBox, reportBox, exportCard());

  // An import under way (started here before, or elsewhere) is followed; else the last one's report is shown.
  try {
    const { imports } = await api("GET", "/api/v1/imports");
    const latest = imports[0];
    if (latest && latest.state === "running") follow(latest);
    else if (latest) showReport(latest, { last: true });
  } catch (error) {
    say(feedback, error.message);
  }

  return () => {
    left = true;
    clearTimeout(polling);
  };
}
