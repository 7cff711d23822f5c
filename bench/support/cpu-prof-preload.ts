// Loaded into the services a scenario starts when it runs with `--profile`
// (NODE_OPTIONS=--import=<this file>; Node refuses --cpu-prof in NODE_OPTIONS). It runs V8's CPU
// profiler over the whole life of the process's main thread and writes the profile to
// $SPEAR_BENCH_PROFILE_DIR on exit, named the way `node --cpu-prof` names its files.
import { Session } from "node:inspector";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { isMainThread } from "node:worker_threads";

const dir = process.env.SPEAR_BENCH_PROFILE_DIR;

if (dir && isMainThread) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 1_000 });
  session.post("Profiler.start");
  // An in-process inspector session answers synchronously, so the profile is ready inside 'exit'.
  process.once("exit", () => {
    session.post("Profiler.stop", (err, result) => {
      if (err) return;
      const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", ".").slice(0, 15);
      writeFileSync(join(dir, `CPU.${stamp}.${process.pid}.0.001.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
