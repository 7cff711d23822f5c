/**
 * The console's one page: a shell the browser code fills. It holds no data and no inline
 * script or style (the Content-Security-Policy forbids both), so it is public like /docs; the
 * data comes from /v1 routes with the token the operator enters.
 */
export const CONSOLE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Spear console</title>
<link rel="stylesheet" href="/console/console.css">
<script type="module" src="/console/assets/main.js"></script>
</head>
<body>
<header class="top">
  <span class="brand">Spear</span>
  <nav id="nav" hidden></nav>
  <span id="live" class="live off" title="Live updates">offline</span>
  <button id="signout" type="button" hidden>Sign out</button>
</header>
<form id="login" class="login" hidden>
  <h1>Spear console</h1>
  <p>This gateway needs a bearer token with the <code>read</code> scope (<code>admin</code> to redrive dead letters).
  It is kept in this tab only (sessionStorage) and sent as <code>Authorization: Bearer</code>.</p>
  <label>Token <input id="token" type="password" autocomplete="off" required></label>
  <button type="submit">Open</button>
  <p id="login-error" class="error" role="alert"></p>
</form>
<main id="view"></main>
</body>
</html>
`;
