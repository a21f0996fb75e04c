/**
 * @module The login page: one form asking for the web view's token. Plain
 * HTML from the server, so it works before any script is allowed to load data.
 */

export interface LoginPageOptions {
  /** Where to go after logging in (a local path). */
  next: string;
  failed?: boolean;
  /** The server needs no token: say so instead of asking. */
  noToken?: boolean;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function loginPage(opts: LoginPageOptions): string {
  const body = opts.noToken
    ? `<p>This web view needs no token. <a href="${escapeHtml(opts.next)}">Continue</a>.</p>`
    : `<form method="post" action="/login" class="login">
  <label for="token">Token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" autofocus required>
  <input type="hidden" name="next" value="${escapeHtml(opts.next)}">
  <button type="submit">Log in</button>
  ${opts.failed ? '<p class="error" role="alert">That token is not the one this web view was started with.</p>' : ""}
  <p class="hint">The token is the content of the file given to <code>--ui-token-file</code>.</p>
</form>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · orchestrator</title>
<link rel="stylesheet" href="/assets/app.css">
</head>
<body class="login-page">
<main>
<h1>orchestrator</h1>
${body}
</main>
</body>
</html>
`;
}
