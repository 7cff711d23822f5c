#!/usr/bin/env node
// What `npm start`, `npm test` and `npm run bench` run first on a fresh clone: install npm
// packages when missing, make sure nats-server and redis-server exist (installing the Debian
// packages when root), compile, then hand over. Plain JavaScript: nothing is installed yet.
import { spawn, spawnSync } from "node:child_process";
import { constants as osConstants } from "node:os";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const [task, ...rest] = process.argv.slice(2);
const say = (line) => process.stderr.write(`[spear] ${line}\n`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function ensurePackages() {
  const installed = join(root, "node_modules", ".package-lock.json");
  const lock = join(root, "package-lock.json");
  if (existsSync(installed) && (!existsSync(lock) || statSync(installed).mtimeMs >= statSync(lock).mtimeMs)) return;
  say("installing npm packages (npm install)");
  if (run("npm", ["install", "--no-audit", "--no-fund"]) !== 0) {
    say("npm install failed; fix the error above and run the command again");
    process.exit(1);
  }
}

function locate(name) {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"];
  for (const d of dirs.filter(Boolean)) {
    try {
      accessSync(join(d, name), constants.X_OK);
      return join(d, name);
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

function ensureServers() {
  const missing = ["nats-server", "redis-server"].filter((b) => !locate(b));
  if (missing.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && locate("apt-get")) {
    say(`installing ${missing.join(" and ")} from Debian packages (apt-get install -y ${missing.join(" ")})`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    run("apt-get", ["update", "-q"], { env });
    if (run("apt-get", ["install", "-y", "-q", ...missing], { env }) === 0 && missing.every((b) => locate(b))) return;
  }
  const dockerEngine = existsSync("/var/run/docker.sock") || process.env.DOCKER_HOST;
  if (task === "test" && dockerEngine) {
    say(`${missing.join(" and ")} not installed; tests will run them in containers (testcontainers)`);
    return;
  }
  say(`${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not installed. Install with:`);
  say(`  sudo apt-get install -y ${missing.join(" ")}`);
  say("or put the binaries on PATH (or set SPEAR_NATS_SERVER_BIN / SPEAR_REDIS_SERVER_BIN), then run this command again.");
  process.exit(1);
}

function build() {
  if (run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"]) !== 0) {
    say("the TypeScript build failed (see above)");
    process.exit(1);
  }
  if (run(process.execPath, [join(root, "dist", "infra", "build", "bundle-cli.js")]) !== 0) {
    say("bundling the CLI failed (see above)");
    process.exit(1);
  }
  if (run(process.execPath, [join(root, "dist", "examples", "build-examples.js")]) !== 0) {
    say("building the WebAssembly examples failed (see above)");
    process.exit(1);
  }
}

// `npm start` runs the launcher until it is stopped. A terminal's Ctrl-C or hang-up reaches the
// whole foreground group (npm, this process, the launcher), and npm passes SIGINT and SIGTERM on
// to this process as well: this process must not die of them while the launcher stops everything
// in order. It passes each on (the launcher counts copies that arrive together as one), waits,
// and exits with the launcher's code. The launcher watches this process (SPEAR_SUPERVISOR_PID)
// and stops everything if it disappears, even by SIGKILL. When npm itself goes (`kill <npm pid>`:
// npm passes SIGTERM to its shell, which dies of it without passing it on), this process is
// re-parented: it then asks the launcher for the same orderly stop, unless a signal it passed on
// already did (a closed terminal ends npm too).
function supervise(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, SPEAR_SUPERVISOR_PID: String(process.pid) } });
    let passedOn = false;
    const forward = (signal) => {
      passedOn = true;
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, forward);
    const parent = process.ppid;
    const watch = setInterval(() => {
      if (process.ppid === parent) return;
      clearInterval(watch);
      if (!passedOn) forward("SIGTERM");
    }, 1_000);
    child.once("error", (e) => {
      clearInterval(watch);
      say(`could not start ${cmd}: ${e.message}`);
      resolve(1);
    });
    child.once("exit", (code, signal) => {
      clearInterval(watch);
      resolve(code ?? 128 + (osConstants.signals[signal] ?? 0));
    });
  });
}

const tasks = {
  start: () => supervise(process.execPath, [join(root, "bin", "spear.js"), "dev", ...rest]),
  test: () => run(process.execPath, [join(root, "node_modules", "vitest", "vitest.mjs"), "run", ...rest]),
  bench: () => run(process.execPath, [join(root, "dist", "bench", "run.js"), ...rest]),
  chaos: () => run(process.execPath, [join(root, "dist", "bench", "chaos", "run.js"), ...rest]),
  fuzz: () => run(process.execPath, [join(root, "dist", "bench", "fuzz", "run.js"), ...rest]),
};

if (!tasks[task]) {
  say(`usage: node infra/bootstrap.mjs ${Object.keys(tasks).join("|")} [args...]`);
  process.exit(2);
}
ensurePackages();
ensureServers();
build();
process.exitCode = await tasks[task]();
