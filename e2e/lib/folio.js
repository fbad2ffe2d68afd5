// Runs the real `folio` binary for one test file: a fresh data directory, an owner, a random port, and API helpers.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = process.env.FOLIO_BIN ? resolve(process.env.FOLIO_BIN) : join(REPO, "target/debug/folio");

export const OWNER = {
  email: "owner@example.com",
  name: "Olive Owner",
  password: "correct horse battery staple",
};

/** Runs a `folio` subcommand to completion, feeding `stdin`; returns its stdout or throws with its stderr. */
export function cli(args, stdin = "") {
  const result = spawnSync(BIN, args, { input: stdin, encoding: "utf8", env: cleanEnv() });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`folio ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  }
  return result.stdout;
}

// The server must not pick up a developer's FOLIO_* settings (a config file, a data dir) from the shell.
function cleanEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("FOLIO_")) env[key] = value;
  }
  return { ...env, ...extra };
}

/**
 * Starts a server: `start({ args: ["--quiet-period", "8s"] })`. Resolves to a handle with
 * `base` ("http://127.0.0.1:PORT"), `ownerToken`, `api()`, `tokenFor()`, `addUser()`, `logs()`, `stop()`.
 */
export async function start({ args = [], owner = true } = {}) {
  if (!existsSync(BIN)) throw new Error(`no folio binary at ${BIN}; run cargo build or set FOLIO_BIN`);
  const dataDir = mkdtempSync(join(tmpdir(), "folio-e2e-"));
  // Without an owner the server is a fresh installation: it logs a one-time setup link.
  if (owner) {
    cli(
      ["user", "add", "--data-dir", dataDir, "--email", OWNER.email, "--name", OWNER.name, "--role", "owner", "--password-stdin"],
      OWNER.password + "\n",
    );
  }
  const child = spawn(
    BIN,
    ["--listen", "127.0.0.1:0", "--data-dir", dataDir, "--fault-injection", "--workers", "2", ...args],
    { env: cleanEnv({ FOLIO_LOG: "info" }), stdio: ["ignore", "pipe", "pipe"] },
  );
  // If the test process dies without stop(), the server must not outlive it.
  const reap = () => {
    child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once("exit", reap);
  const lines = [];
  // Keep reading both pipes for the server's whole life, or it would block on a full pipe.
  createInterface({ input: child.stderr }).on("line", (line) => lines.push(line));
  const base = await new Promise((resolveBase, reject) => {
    const timer = setTimeout(() => fail(new Error("folio did not say it was listening within 30 s")), 30_000);
    const fail = (error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${error.message}\n--- folio's log ---\n${lines.join("\n")}`));
    };
    child.on("error", fail);
    child.on("exit", (code, signal) => fail(new Error(`folio exited early (${code ?? signal})`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      lines.push(line);
      const found = line.split("Folio is listening on ")[1];
      if (found) {
        clearTimeout(timer);
        child.removeAllListeners("exit");
        resolveBase(found.trim().split(/\s+/)[0]);
      }
    });
  });
  const ownerToken = owner ? mintToken(dataDir, OWNER.email) : null;

  const server = {
    base,
    dataDir,
    ownerToken,
    child,
    logs: () => lines.join("\n"),

    /** Calls the API with a bearer token (the owner's by default); resolves to {status, body, headers}. */
    async api(method, path, body, token = ownerToken) {
      const headers = { Accept: "application/json" };
      if (token) headers.Authorization = `Bearer ${token}`;
      if (body !== undefined) headers["Content-Type"] = "application/json";
      const response = await fetch(base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },

    /** Like api(), but throws unless the answer has `expected` status; resolves to the body. */
    async apiOk(method, path, body, { token = ownerToken, expected } = {}) {
      const answer = await server.api(method, path, body, token);
      const ok = expected ? answer.status === expected : answer.status >= 200 && answer.status < 300;
      if (!ok) throw new Error(`${method} ${path} → ${answer.status}: ${JSON.stringify(answer.body)}`);
      return answer.body;
    },

    /** Uploads a picture to the media library as the owner; resolves to the medium. */
    async uploadMedium(buffer, name, alt = "") {
      const form = new FormData();
      form.append("file", new Blob([buffer], { type: "image/png" }), name);
      if (alt) form.append("alt", alt);
      const response = await fetch(base + "/api/v1/media", { method: "POST", headers: { Authorization: `Bearer ${ownerToken}` }, body: form });
      if (response.status !== 201) throw new Error(`upload ${name} → ${response.status}: ${await response.text()}`);
      return response.json();
    },

    /** A write token for an existing account, minted with the CLI (as an operator would). */
    tokenFor(email, scope = "write") {
      return mintToken(dataDir, email, scope);
    },

    /** Creates an account of `role` through the API as the owner; resolves to {id, email, name, password, role}. */
    async addUser(role, { email, name, password = "long enough password" } = {}) {
      const unique = Math.random().toString(36).slice(2, 8);
      email = email || `${role}-${unique}@example.com`;
      name = name || `${role[0].toUpperCase()}${role.slice(1)} ${unique}`;
      const user = await server.apiOk("POST", "/api/v1/users", { email, name, role, password }, { expected: 201 });
      return { ...user, password };
    },

    /** Signs in through the API as a browser would; resolves to {cookie, csrf}. */
    async session(email, password) {
      const response = await fetch(base + "/api/v1/session", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ email, password }),
      });
      if (response.status !== 200) throw new Error(`sign-in as ${email} → ${response.status}`);
      const cookie = response.headers.get("set-cookie").split(";")[0];
      const { csrf_token: csrf } = await response.json();
      return { cookie, csrf };
    },

    /** Stops the server and deletes its data. */
    async stop() {
      process.removeListener("exit", reap);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGKILL");
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

function mintToken(dataDir, email, scope = "write") {
  return cli(["token", "add", "--data-dir", dataDir, "--email", email, "--name", "e2e", "--scope", scope]).trim();
}

/** Polls `check` until it returns a truthy value (which is returned) or `timeout` ms pass (then throws `what`). */
export async function eventually(check, { timeout = 10_000, interval = 100, what = "condition" } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${last.message}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
