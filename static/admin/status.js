// The System status screen (#/status): each concern's state and traffic, polled every second, and fault injection.

import { api } from "./api.js";
import { h, say, field } from "./ui.js";

const POLL_MS = 1000;
const CONCERNS = ["auth", "posts", "media", "render"];
const TEST_REQUESTS = 20;

// One line per FaultKind in src/runtime/faults.rs, in words an operator can act on.
const FAULTS = {
  panic: "The handler panics: that caller gets an error and the concern restarts.",
  hang: "The handler never finishes: the caller times out at its deadline (5 s by default).",
  error: "The handler returns an error; the concern keeps running.",
  delay: "The handler waits the given milliseconds, then answers normally, like a slow dependency.",
  block: "The handler blocks the concern's thread for the given milliseconds; after 3 timeouts in a row it restarts on a fresh thread.",
  crash: "The concern dies outside any handler; the watchdog notices and restarts it.",
};
const TIMED = new Set(["delay", "block"]);
const MAX_DELAY_MS = 60000; // FaultRequest::MAX_DELAY_MS

// What each concern does for a blog owner, and what readers and writers see while it is away.
const PLAIN = {
  auth: ["signing in", "people can't sign in; the public site keeps working"],
  posts: ["posts and pages", "new posts can't be saved; readers get the pages already shown recently"],
  media: ["pictures", "uploads wait; posts show a placeholder where a picture goes"],
  render: ["turning Markdown into pages", "saving and previewing posts waits; published pages keep showing"],
  search: ["search", "readers' searches fail for now; every other page works"],
};

const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const fine = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

function clock(date) {
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/** Sets text only when it changed, so screen readers and selections aren't disturbed by identical updates. */
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

export async function render(main, ctx) {
  let stopped = false;
  let timer = null;
  let inFlight = false;
  let previous = null; // {at, byConcern: {name: report}} from the last poll, for per-interval rates
  const cards = new Map(); // concern name → the elements its numbers go into

  const updated = h("span", { class: "muted" }, "Not updated yet");
  // The plain summary above the engineers' detail: a blog owner reads this line only.
  const summary = h("div", { class: "card status-summary", role: "status", "aria-live": "polite" }, h("p", {}, "Checking…"));
  const troubleSince = new Map(); // concern → when this page first saw it not "up"
  const pollError = h("p", { class: "error", role: "alert", hidden: true });
  const grid = h("div", { class: "status-grid" });
  const faultsHolder = h("div", {});

  main.replaceChildren(
    h("h1", {}, "System status"),
    summary,
    h("h2", { class: "status-detail-h" }, "In detail"),
    h("p", { class: "status-updated" }, updated),
    pollError,
    h(
      "p",
      { class: "hint" },
      "up: serving. restarting: waiting out a short backoff after a failure; calls wait. degraded: restarted too often; calls are refused until its quiet period ends. unreachable: run by another process of a split site, and none answered just now.",
    ),
    grid,
    faultsHolder,
  );

  // --- Concern cards: built once, then only their text changes ---------------------------------------
  function card(name) {
    if (cards.has(name)) return cards.get(name);
    const id = `status-concern-${name}`;
    const badge = h("span", { class: "badge" });
    const back = h("span", { class: "status-back", hidden: true });
    const values = {};
    const row = (key, label) => {
      values[key] = h("dd", {}, "—");
      return [h("dt", {}, label), values[key]];
    };
    const section = h(
      "section",
      { class: "card status-card", "aria-labelledby": id, dataset: { concern: name } },
      h(
        "div",
        { class: "spread status-card-head" },
        h("h2", { id }, name),
        // Only the state is live: it changes rarely, and each change is worth hearing.
        h("div", { class: "status-state", "aria-live": "polite", "aria-atomic": "true" }, h("span", { class: "visually-hidden" }, `${name} is `), badge),
      ),
      back,
      h(
        "dl",
        { class: "status-numbers" },
        row("restarts", "Restarts"),
        row("recent", "Recent restarts"),
        row("panics", "Panics"),
        row("rate", "Messages per second"),
        row("latency", "Mean latency"),
        row("errors", "Errors"),
        row("pending", "Pending faults"),
      ),
    );
    const entry = { section, badge, back, values };
    cards.set(name, entry);
    // Known concerns keep their order; an unknown one goes at the end.
    const order = (n) => (CONCERNS.includes(n) ? CONCERNS.indexOf(n) : CONCERNS.length);
    const after = [...cards.keys()].filter((n) => n !== name && order(n) > order(name)).map((n) => cards.get(n).section)[0];
    if (after && after.parentNode === grid) grid.insertBefore(section, after);
    else grid.append(section);
    return entry;
  }

  function show(report, before, seconds) {
    const { badge, back, values } = card(report.concern);
    if (badge.textContent !== report.state) {
      badge.className = `badge ${report.state}`;
      badge.textContent = report.state;
    }
    if (report.state === "degraded" && report.retry_after_secs != null) {
      setText(back, `back in ${report.retry_after_secs} s`);
      back.hidden = false;
    } else {
      back.hidden = true;
    }
    setText(values.restarts, String(report.restarts));
    setText(values.recent, String(report.recent_restarts));
    setText(values.panics, String(report.panics));
    setText(values.errors, String(report.errors));
    setText(values.pending, String(report.pending_faults));
    // A counter going backwards means the server restarted: that interval tells nothing.
    if (before && seconds > 0 && report.messages >= before.messages) {
      const handled = report.messages - before.messages;
      setText(values.rate, number.format(handled / seconds));
      const spent = report.latency_ms_sum - before.latency_ms_sum;
      setText(values.latency, handled > 0 && spent >= 0 ? `${fine.format(spent / handled)} ms` : "—");
    } else {
      setText(values.rate, "—");
      setText(values.latency, "—");
    }
  }

  function summarise(reports) {
    const now = new Date();
    for (const report of reports) {
      if (report.state === "up") troubleSince.delete(report.concern);
      else if (!troubleSince.has(report.concern)) troubleSince.set(report.concern, now);
    }
    const troubled = reports.filter((r) => r.state !== "up");
    const shaky = reports.filter((r) => r.state === "up" && r.recent_restarts > 0);
    const lines = [];
    if (troubled.length === 0) {
      lines.push(h("p", { class: "status-fine" }, h("strong", {}, "Everything is working."), shaky.length ? ` ${shaky.map((r) => (PLAIN[r.concern] || [r.concern])[0]).join(" and ")} restarted recently after a problem and ${shaky.length === 1 ? "is" : "are"} fine again.` : ""));
    } else {
      lines.push(h("p", {}, h("strong", {}, "Not everything is working.")));
      lines.push(h("ul", {}, troubled.map((r) => {
        const [what, effect] = PLAIN[r.concern] || [r.concern, "some requests fail"];
        const since = troubleSince.get(r.concern);
        const when = since ? ` since ${clock(since)}` : "";
        const state = r.state === "restarting" ? "is restarting" : r.state === "degraded" ? `has stopped after failing repeatedly${r.retry_after_secs != null ? ` and tries again in ${r.retry_after_secs} s` : ""}` : "can't be reached";
        return h("li", {}, `${what[0].toUpperCase()}${what.slice(1)} (${r.concern}) ${state}${when}: ${effect}.`);
      })));
    }
    summary.className = `card status-summary ${troubled.length ? "trouble" : "fine"}`;
    summary.replaceChildren(...lines);
  }

  // --- Polling ---------------------------------------------------------------------------------
  async function poll() {
    timer = null;
    if (stopped || inFlight) return;
    if (!main.contains(grid)) {
      // The page was replaced without our cleanup (the sign-in screen after a 401, say).
      stop();
      return;
    }
    inFlight = true;
    try {
      const status = await api("GET", "/api/v1/admin/status");
      if (stopped) return;
      const now = performance.now();
      const seconds = previous ? (now - previous.at) / 1000 : 0;
      for (const report of status.concerns) show(report, previous?.byConcern[report.concern], seconds);
      summarise(status.concerns);
      previous = { at: now, byConcern: Object.fromEntries(status.concerns.map((r) => [r.concern, r])) };
      setText(updated, `Updated ${clock(new Date())}`);
      pollError.hidden = true;
      faultSection(status);
    } catch (error) {
      if (stopped) return;
      if (error.status === 401 || error.status === 403) {
        // Signed out, or no longer allowed: polling on would only repeat the refusal.
        setText(pollError, `${error.message} The status is no longer updated.`);
        pollError.hidden = false;
        stop();
        return;
      }
      setText(pollError, `The last update failed: ${error.message} Trying again every second.`);
      pollError.hidden = false;
    } finally {
      inFlight = false;
    }
    schedule();
  }

  function schedule() {
    if (stopped || timer || document.hidden) return;
    timer = setTimeout(poll, POLL_MS);
  }

  function onVisibility() {
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
    } else if (!stopped && !timer && !inFlight) {
      // Rates over a long hidden spell would mislead: start a fresh interval.
      previous = null;
      poll();
    }
  }

  function stop() {
    stopped = true;
    clearTimeout(timer);
    timer = null;
    document.removeEventListener("visibilitychange", onVisibility);
  }

  // --- Fault injection -------------------------------------------------------------------------
  let faultsShown = null;
  function faultSection(status) {
    const enabled = status.fault_injection;
    if (faultsShown === enabled) return;
    faultsShown = enabled;
    if (!enabled) {
      faultsHolder.replaceChildren(
        h("h2", {}, "Fault injection"),
        h(
          "p",
          { class: "muted status-off" },
          "Fault injection is off. To try how Folio copes with panics, hangs and slow concerns, start the server with ",
          h("code", {}, "--fault-injection"),
          " (for testing only).",
        ),
      );
      return;
    }
    faultsHolder.replaceChildren(faultForm(status));
  }

  /** The restart policy in words, from the status when the server sends it, else the defaults. */
  function policyLine(status) {
    const limit = status.restart_limit ?? 5;
    const windowSecs = status.restart_window_secs ?? 30;
    const quiet = status.quiet_period_secs ?? 30;
    return `More than ${limit} restarts within ${windowSecs} s degrade it; it then refuses calls for ${quiet} s.`;
  }

  function faultForm(status) {
    const concern = h("select", { name: "concern" }, CONCERNS.map((c) => h("option", { value: c, selected: c === "posts" }, c)));
    const kind = h("select", { name: "kind" }, Object.keys(FAULTS).map((k) => h("option", { value: k }, k)));
    const count = h("input", { type: "number", name: "count", min: "1", max: "100", step: "1", value: "1", inputmode: "numeric", required: true });
    const delay = h("input", { type: "number", name: "delay_ms", min: "0", max: String(MAX_DELAY_MS), step: "1", value: "2000", inputmode: "numeric" });
    const hintFor = (k) => (k === "panic" ? `${FAULTS.panic} ${policyLine(status)}` : FAULTS[k]);
    const kindField = field("Fault", kind, hintFor(kind.value));
    const kindHint = kindField.querySelector(".hint");
    const delayField = field("Milliseconds", delay, `How long to wait or block, 0 to ${MAX_DELAY_MS}.`);
    delayField.hidden = !TIMED.has(kind.value);
    kind.addEventListener("change", () => {
      kindHint.textContent = hintFor(kind.value);
      delayField.hidden = !TIMED.has(kind.value);
    });

    const feedback = h("div", { class: "feedback" });
    const traffic = h("p", { class: "muted", role: "status" });
    const inject = h("button", { type: "submit", class: "primary" }, "Inject");
    const clear = h("button", { type: "button", class: "secondary", onclick: clearFaults }, "Clear faults");
    const send = h("button", { type: "button", class: "secondary", onclick: sendTraffic }, "Send test traffic");

    async function injectFault(event) {
      event.preventDefault();
      const n = Number(count.value);
      if (!Number.isInteger(n) || n < 1 || n > 100) {
        count.setAttribute("aria-invalid", "true");
        say(feedback, "Count must be a whole number from 1 to 100.");
        count.focus();
        return;
      }
      count.removeAttribute("aria-invalid");
      const body = { concern: concern.value, kind: kind.value, count: n };
      if (TIMED.has(kind.value)) {
        const ms = Number(delay.value);
        if (delay.value === "" || !Number.isInteger(ms) || ms < 0 || ms > MAX_DELAY_MS) {
          delay.setAttribute("aria-invalid", "true");
          say(feedback, `Milliseconds must be a whole number from 0 to ${MAX_DELAY_MS}.`);
          delay.focus();
          return;
        }
        delay.removeAttribute("aria-invalid");
        body.delay_ms = ms;
      }
      inject.disabled = true;
      try {
        const answer = await api("POST", "/api/v1/admin/faults", body);
        say(
          feedback,
          `Queued ${n} ${body.kind} fault${n === 1 ? "" : "s"} for ${answer.concern}; ${answer.pending} pending in all. ` +
            (n === 1 ? "It fires on the concern's next message." : `They fire on its next ${n} messages.`),
          "ok",
        );
      } catch (error) {
        say(feedback, error.message);
      } finally {
        inject.disabled = false;
      }
    }

    async function clearFaults() {
      clear.disabled = true;
      try {
        await api("DELETE", "/api/v1/admin/faults");
        say(feedback, "Cleared: no fault is pending any more.", "ok");
      } catch (error) {
        say(feedback, error.message);
      } finally {
        clear.disabled = false;
      }
    }

    // One at a time, so a panic's restart backoff is waited out like real callers would.
    async function sendTraffic() {
      const target = concern.value;
      send.disabled = true;
      let answered = 0;
      let failed = 0;
      let lastError = null;
      for (let i = 1; i <= TEST_REQUESTS && !stopped; i++) {
        setText(traffic, `Sending request ${i} of ${TEST_REQUESTS} to ${target}…`);
        try {
          await api("GET", `/api/v1/admin/stats/${target}`);
          answered++;
        } catch (error) {
          failed++;
          lastError = error.message;
          if (error.status === 401) break;
        }
      }
      send.disabled = false;
      if (stopped) return;
      traffic.className = failed ? "error" : "notice";
      setText(
        traffic,
        `Sent ${answered + failed} requests to ${target}: ${answered} answered, ${failed} failed.` + (lastError ? ` Last failure: ${lastError}` : ""),
      );
    }

    return h(
      "form",
      { class: "card status-faults", novalidate: true, "aria-labelledby": "status-faults-h", onsubmit: injectFault },
      h("h2", { id: "status-faults-h" }, "Fault injection"),
      h("p", { class: "hint" }, "For testing only. A fault fires when the concern handles its next message, so after injecting, send some traffic to see the effect."),
      h(
        "div",
        { class: "status-fault-grid" },
        field("Concern", concern),
        kindField,
        field("Count", count, "1 to 100: how many of the next messages get the fault."),
        delayField,
      ),
      feedback,
      h("div", { class: "row" }, inject, clear),
      h("div", { class: "row status-traffic" }, send, h("span", { class: "hint" }, `${TEST_REQUESTS} cheap statistics requests to the chosen concern, one after another.`)),
      traffic,
    );
  }

  document.addEventListener("visibilitychange", onVisibility);
  await poll();
  return stop;
}
