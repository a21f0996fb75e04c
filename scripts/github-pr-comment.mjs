#!/usr/bin/env node
// Posts a markdown file as the one pull-request comment that carries a
// hidden marker, updating that comment when it already exists: a CI job
// that runs on every push keeps a single, current comment instead of adding
// one per push. Used by the repository's GitHub Action (action.yml).
//
//   node scripts/github-pr-comment.mjs --pr 42 --body-file diff.md [--marker '<!-- orchestrator-diff -->']
//
// Environment (set by GitHub Actions): GITHUB_TOKEN (may write issue
// comments), GITHUB_REPOSITORY (owner/name), GITHUB_API_URL (default
// https://api.github.com; GitHub Enterprise sets its own), and
// GITHUB_EVENT_PATH, read for the pull-request number when --pr is not given.
// Exits 0 when the comment was created or updated, 1 otherwise.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const DEFAULT_MARKER = "<!-- orchestrator-diff -->";
/** GitHub refuses a comment body longer than this. */
const LIMIT = 65_536;

function fail(message) {
  process.stderr.write(`github-pr-comment: ${message}\n`);
  process.exit(1);
}

function pullRequestNumber(given, env) {
  if (given) return given;
  if (!env.GITHUB_EVENT_PATH) return undefined;
  try {
    const event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, "utf8"));
    const n = event.pull_request?.number ?? event.issue?.number ?? event.number;
    return n === undefined ? undefined : String(n);
  } catch {
    return undefined;
  }
}

/** The body as posted: the marker on its first line, cut to GitHub's limit if it has to be. */
export function commentBody(text, marker) {
  let body = text.startsWith(marker) ? text : `${marker}\n${text}`;
  if (body.length > LIMIT) {
    const note = "\n\n> The comment was cut at GitHub's 65,536-character limit.\n";
    body = body.slice(0, LIMIT - note.length) + note;
  }
  return body;
}

async function api(base, token, method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      Accept: "application/vnd.github+json",
      Authorization: `Bearer ${token}`,
      "X-GitHub-Api-Version": "2022-11-28",
      "User-Agent": "orchestrator-review",
      ...(body ? { "Content-Type": "application/json" } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      message = JSON.parse(text).message ?? text;
    } catch {}
    throw new Error(`${method} ${path}: HTTP ${res.status}: ${message}`);
  }
  return text ? JSON.parse(text) : undefined;
}

/** The first comment of the pull request whose body holds the marker, over every page. */
async function findComment(base, token, repo, pr, marker) {
  for (let page = 1; ; page++) {
    const comments = await api(base, token, "GET", `/repos/${repo}/issues/${pr}/comments?per_page=100&page=${page}`);
    const hit = comments.find((c) => typeof c.body === "string" && c.body.includes(marker));
    if (hit) return hit;
    if (comments.length < 100) return undefined;
  }
}

async function main() {
  const { values } = parseArgs({
    options: { pr: { type: "string" }, "body-file": { type: "string" }, marker: { type: "string", default: DEFAULT_MARKER } },
  });
  const env = process.env;
  const base = (env.GITHUB_API_URL || "https://api.github.com").replace(/\/+$/, "");
  const token = env.GITHUB_TOKEN;
  const repo = env.GITHUB_REPOSITORY;
  const pr = pullRequestNumber(values.pr, env);
  if (!token) fail("GITHUB_TOKEN is not set");
  if (!repo || !/^[\w.-]+\/[\w.-]+$/.test(repo)) fail("GITHUB_REPOSITORY must be owner/name");
  if (!pr || !/^\d+$/.test(pr)) fail("no pull-request number: pass --pr N (or run on a pull_request event)");
  if (!values["body-file"]) fail("--body-file is required");
  const body = commentBody(readFileSync(values["body-file"], "utf8"), values.marker);

  const existing = await findComment(base, token, repo, pr, values.marker);
  if (existing) {
    const c = await api(base, token, "PATCH", `/repos/${repo}/issues/comments/${existing.id}`, { body });
    process.stdout.write(`comment updated: ${c.html_url ?? existing.id}\n`);
  } else {
    const c = await api(base, token, "POST", `/repos/${repo}/issues/${pr}/comments`, { body });
    process.stdout.write(`comment created: ${c.html_url ?? c.id}\n`);
  }
}

main().catch((err) => fail(err instanceof Error ? err.message : String(err)));
