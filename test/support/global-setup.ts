import { execFileSync } from "node:child_process";

/** Tests that spawn `bin/spear.js` need dist/ to match the sources; tsc is incremental, so this is quick. */
export default function setup(): void {
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json"], { stdio: "inherit" });
}
