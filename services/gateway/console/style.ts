/** The console's style sheet (served as /console/console.css: the CSP allows no inline style). */
export const CONSOLE_CSS = `
:root { --bg: #f6f7f9; --fg: #1d2430; --muted: #667085; --line: #dde1e7; --card: #fff; --accent: #2f5bd3;
  --ok: #1a7f37; --warn: #9a6700; --bad: #c62828; --font: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 var(--font); color: var(--fg); background: var(--bg); }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 12.5px; }
.top { display: flex; align-items: center; gap: 16px; padding: 10px 20px; background: #111827; color: #fff; }
.brand { font-weight: 700; letter-spacing: .02em; }
nav { display: flex; gap: 4px; flex: 1; flex-wrap: wrap; }
nav a { color: #cbd5e1; text-decoration: none; padding: 4px 10px; border-radius: 6px; }
nav a.current, nav a:hover { background: #1f2937; color: #fff; }
.live { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #374151; }
.live.on { background: var(--ok); }
.live.off { background: var(--bad); }
.top button { background: transparent; color: #cbd5e1; border: 1px solid #4b5563; border-radius: 6px; padding: 3px 10px; cursor: pointer; }
main { padding: 18px 20px 40px; }
h1 { font-size: 20px; margin: 0 0 12px; }
h2 { font-size: 16px; margin: 18px 0 8px; }
.login { max-width: 420px; margin: 60px auto; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 24px; }
.login label { display: block; margin: 12px 0; }
.login input { width: 100%; padding: 8px; margin-top: 4px; border: 1px solid var(--line); border-radius: 6px; }
button.primary, .login button { background: var(--accent); color: #fff; border: 0; border-radius: 6px; padding: 6px 14px; cursor: pointer; }
button.primary:disabled { background: #9aa8cf; cursor: default; }
.error { color: var(--bad); }
.notice { background: #fff8e1; border: 1px solid #f0d68a; border-radius: 8px; padding: 8px 12px; margin: 8px 0 12px; color: #5c4400; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 14px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 10px 14px; min-width: 150px; }
.card .n { font-size: 22px; font-weight: 600; }
.card .l { color: var(--muted); font-size: 12px; }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 10px; overflow: hidden; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; font-size: 12px; color: #475467; }
tr:last-child td { border-bottom: 0; }
tr.fresh td { animation: fresh 2s ease-out; }
@keyframes fresh { from { background: #e6f4ea; } to { background: transparent; } }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: #eef0f3; }
.badge.ok, .badge.online, .badge.succeeded, .badge.healthy { background: #dcfce7; color: var(--ok); }
.badge.warn, .badge.draining, .badge.stale, .badge.timed_out, .badge.behind { background: #fef3c7; color: var(--warn); }
.badge.bad, .badge.lost, .badge.failed, .badge.rejected, .badge.dead_lettered, .badge.deregistered { background: #fee2e2; color: var(--bad); }
.bar { display: inline-block; width: 80px; height: 8px; background: #e5e7eb; border-radius: 4px; vertical-align: middle; margin-right: 6px; overflow: hidden; }
.bar > span { display: block; height: 100%; background: var(--accent); }
.muted { color: var(--muted); }
.filters { display: flex; gap: 10px; align-items: end; flex-wrap: wrap; margin-bottom: 12px; }
.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
.filters select, .filters input { padding: 5px; border: 1px solid var(--line); border-radius: 6px; font: inherit; color: var(--fg); }
.timeline { list-style: none; padding: 0; margin: 0; border-left: 2px solid var(--line); }
.timeline li { position: relative; margin: 0 0 12px 16px; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; }
.timeline li::before { content: ""; position: absolute; left: -23px; top: 12px; width: 10px; height: 10px; border-radius: 50%; background: var(--accent); }
.timeline .head { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
pre { margin: 6px 0 0; white-space: pre-wrap; word-break: break-word; background: #f6f8fa; padding: 6px 8px; border-radius: 6px; font-size: 12px; max-height: 220px; overflow: auto; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 14px; }
a { color: var(--accent); }
`;
