import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll } from "vitest";

/**
 * Debian's Chromium, driven by playwright-core (no browser is ever downloaded). Where it is not
 * installed or cannot start, `unavailable` says why and the tests skip with that reason, never pass.
 */
const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  context?: BrowserContext;
  unavailable?: string;
}

/** One Chromium for the suite, started before its tests; `args` are added to the flags. */
export function useChromium(args: readonly string[] = []): Browser {
  const b: Browser & { profile?: string } = {};
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      b.unavailable = `${CHROMIUM} is not installed (Debian package chromium; .ci/run installs it as root)`;
      return;
    }
    b.profile = mkdtempSync(join(tmpdir(), "spear-chromium-"));
    try {
      b.context = await chromium.launchPersistentContext(b.profile, { executablePath: CHROMIUM, headless: true, args: [...FLAGS, ...args], timeout: 30_000 });
    } catch (e) {
      b.unavailable = `Chromium did not start: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`;
    }
    if (b.unavailable) process.stderr.write(`[browser] skipped: ${b.unavailable}\n`);
  });
  afterAll(async () => {
    await b.context?.close();
    if (b.profile) rmSync(b.profile, { recursive: true, force: true });
  });
  return b;
}
