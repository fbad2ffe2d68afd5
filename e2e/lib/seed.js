// A small site made through the API (people, images, posts, tokens), for the tests that look at every screen.
import { png } from "./png.js";

async function uploadImage(server, name, width, height, alt) {
  const form = new FormData();
  form.append("file", new Blob([png(width, height)], { type: "image/png" }), name);
  form.append("alt", alt);
  const response = await fetch(server.base + "/api/v1/media", {
    method: "POST",
    headers: { Authorization: `Bearer ${server.ownerToken}`, Accept: "application/json" },
    body: form,
  });
  if (response.status !== 201) throw new Error(`upload ${name} → ${response.status}: ${await response.text()}`);
  return response.json();
}

/** People, images, a published post with a table, code and an image, drafts, tokens; resolves to the published post. */
export async function seed(server) {
  const author = await server.addUser("author", { name: "Ada Author" });
  await server.addUser("editor", { name: "Eddie Editor" });
  await server.addUser("contributor", { name: "Connie Contributor" });
  const sunrise = await uploadImage(server, "sunrise.png", 1200, 800, "A gradient like a sunrise");
  await uploadImage(server, "wide-banner.png", 1600, 500, "A wide banner");
  await uploadImage(server, "square.png", 600, 600, "A square swatch");
  const markdown = [
    "Folio renders Markdown the way GitHub does, with a few extras.",
    "",
    "## A table",
    "",
    "| Plan | Price | Posts |",
    "|------|------:|------:|",
    "| Free | 0 | 10 |",
    "| Pro | 9 | unlimited |",
    "",
    "## Some code",
    "",
    "```js",
    "export function greet(name) {",
    "  return `Hello, ${name}!`;",
    "}",
    "```",
    "",
    `![${sunrise.alt}](media:${sunrise.id})`,
    "",
  ].join("\n");
  const post = await server.apiOk(
    "POST",
    "/api/v1/posts",
    { title: "Everything Folio renders", markdown, tags: ["guide", "markdown"], status: "published" },
    { expected: 201 },
  );
  await server.apiOk("POST", "/api/v1/posts", { title: "Notes for next week", markdown: "To do.\n", tags: ["notes"] }, { expected: 201 });
  const authorToken = server.tokenFor(author.email);
  await server.apiOk("POST", "/api/v1/posts", { title: "An author's first draft", markdown: "Hello.\n" }, { token: authorToken, expected: 201 });
  await server.apiOk("POST", "/api/v1/tokens", { name: "Deploy script", scope: "write" }, { expected: 201 });
  await server.apiOk("POST", "/api/v1/tokens", { name: "Read-only dashboard", scope: "read" }, { expected: 201 });
  return post;
}
