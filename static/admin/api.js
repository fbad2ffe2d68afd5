// The admin UI's one way to talk to the server: JSON in and out, the CSRF
// token on every change, and every failure turned into a sentence a person can act on.

let csrfToken = null;

export function setCsrf(token) {
  csrfToken = token || null;
}

/** An API failure: `status`, a stable `code`, and `message`, a sentence for people. */
export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

// What to say when the server's own sentence is missing (a proxy error page, a
// dropped connection): by status, in words.
const FALLBACK = {
  0: "The server could not be reached. Check your connection and try again.",
  400: "The server could not understand that request.",
  401: "Your session has ended. Sign in again.",
  403: "You don't have permission to do that.",
  404: "That no longer exists.",
  409: "Someone else changed this meanwhile.",
  413: "That is too large.",
  415: "That kind of file isn't accepted.",
  422: "Some of what you entered isn't valid.",
  429: "Too many attempts. Wait a moment and try again.",
  503: "That part of Folio is busy or restarting. Try again in a few seconds.",
  504: "The server took too long to answer. Try again.",
};

export function sentenceFor(status, message) {
  if (message) {
    const text = message.charAt(0).toUpperCase() + message.slice(1);
    return /[.!?]$/.test(text) ? text : text + ".";
  }
  return FALLBACK[status] || `Something went wrong (HTTP ${status}). Try again.`;
}

async function failure(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON: the fallback sentence will do.
  }
  const detail = body && body.error ? body.error : {};
  let message = sentenceFor(response.status, detail.message);
  const retry = response.headers.get("retry-after");
  // The server's own sentences often say when to retry already.
  if (retry && (response.status === 503 || response.status === 429) && !/try again/i.test(message)) {
    message += ` Try again in ${retry} second${retry === "1" ? "" : "s"}.`;
  }
  return new ApiError(response.status, detail.code || "http_" + response.status, message, body);
}

const listeners = new Set();
/** Called with every 401, so the app can show the sign-in screen. */
export function onUnauthenticated(listener) {
  listeners.add(listener);
}

/**
 * `api("GET", "/api/v1/posts")`, `api("POST", "/api/v1/posts", {title})`.
 * Resolves to the parsed JSON (or null for 204); rejects with an ApiError.
 */
export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "network", FALLBACK[0], null);
  }
  if (!response.ok) {
    const error = await failure(response);
    if (response.status === 401 && path !== "/api/v1/session") listeners.forEach((l) => l(error));
    throw error;
  }
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json() : response.text();
}

/**
 * Uploads a FormData with progress: `onProgress(fraction)` from 0 to 1.
 * XMLHttpRequest because fetch can't report upload progress.
 */
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.setRequestHeader("Accept", "application/json");
    if (csrfToken) xhr.setRequestHeader("X-CSRF-Token", csrfToken);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total);
    };
    xhr.onerror = () => reject(new ApiError(0, "network", FALLBACK[0], null));
    xhr.onload = () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // handled below
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        if (onProgress) onProgress(1);
        resolve(body);
        return;
      }
      const detail = body && body.error ? body.error : {};
      let message = sentenceFor(xhr.status, detail.message);
      const retry = xhr.getResponseHeader("retry-after");
      if (retry && xhr.status === 503 && !/try again/i.test(message)) message += ` Try again in ${retry} second${retry === "1" ? "" : "s"}.`;
      reject(new ApiError(xhr.status, detail.code || "http_" + xhr.status, message, body));
    };
    xhr.send(form);
  });
}
