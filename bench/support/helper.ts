import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { terminate } from "../../infra/local/terminate.js";

/** A baseline process (bench/support/helper-process.ts) we started, known and stopped by its pid. */
export class Helper {
  private constructor(
    private readonly child: ChildProcess,
    readonly role: string,
    private readonly exited: Promise<void>,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  /** Starts `role` and resolves once it prints "ready"; its stderr goes to `logFile`. */
  static async start(role: string, settings: Record<string, unknown>, logFile: string, timeoutMs = 30_000): Promise<Helper> {
    const script = join(dirname(fileURLToPath(import.meta.url)), "helper-process.js");
    const child = spawn(process.execPath, [script, role, JSON.stringify(settings)], { stdio: ["ignore", "pipe", "pipe"] });
    const log = createWriteStream(logFile, { flags: "a" });
    child.stderr!.pipe(log);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const helper = new Helper(child, role, exited);
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      createInterface({ input: child.stdout! }).on("line", (line) => {
        if (line.trim() === "ready") {
          clearTimeout(timer);
          resolve(true);
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (!ready) {
      await helper.stop();
      throw new Error(`bench helper ${role} did not start; see ${logFile}`);
    }
    return helper;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs = 5_000): Promise<void> {
    return terminate(this.child, this.exited, graceMs);
  }
}
