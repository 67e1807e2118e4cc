#!/usr/bin/env node
/**
 * Makes sure Debian's Chromium is installed, for the browser tests. Called by the browser
 * project's global setup (so `npm test` installs it where missing), and runnable by hand:
 * `node test/browser/ensure-chromium.mjs`.
 *
 * Chromium comes from Debian's `chromium` package, never from a download of Playwright's own
 * browser build (`npx playwright install` cannot work on a machine that only reaches the npm
 * registry and Debian's mirrors). CHROMIUM_PATH points at another binary; then nothing is installed.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium";

const APT_ENV = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
// Another apt run (an unattended upgrade, a second test run) may hold dpkg's lock: wait for it.
const LOCK_WAIT = ["-o", "DPkg::Lock::Timeout=300"];
const STEPS = [
  ["apt-get", ["update", ...LOCK_WAIT]],
  ["apt-get", ["install", "-y", "--no-install-recommends", ...LOCK_WAIT, "chromium"]],
];
const MANUAL = "apt-get update && apt-get install -y --no-install-recommends chromium";

/** Returns the path of a Chromium binary, installing Debian's `chromium` when it is missing. */
export function ensureChromium({ log = (line) => console.log(line) } = {}) {
  const wanted = process.env.CHROMIUM_PATH;
  if (wanted) {
    if (!existsSync(wanted)) throw new Error(`CHROMIUM_PATH is ${wanted}, which does not exist`);
    return wanted;
  }
  if (existsSync(DEFAULT_CHROMIUM_PATH)) return DEFAULT_CHROMIUM_PATH;

  const root = process.getuid?.() === 0;
  const sudo = root ? [] : ["sudo", "-n"];
  if (!root && spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status !== 0) {
    throw new Error(
      `${DEFAULT_CHROMIUM_PATH} is missing and the browser tests cannot install it: not root, and sudo needs a password.\n` +
        `Install Debian's Chromium once: sudo sh -c '${MANUAL}'  (or set CHROMIUM_PATH)`,
    );
  }
  log(`[browser tests] ${DEFAULT_CHROMIUM_PATH} is missing: installing Debian's chromium (${sudo.length ? "sudo " : ""}${MANUAL})`);
  const startedAt = Date.now();
  for (const [command, args] of STEPS) {
    const [file, ...rest] = [...sudo, command, ...args];
    const run = spawnSync(file, rest, { env: APT_ENV, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (run.status !== 0) {
      const output = `${run.stdout ?? ""}${run.stderr ?? ""}`.trimEnd().split("\n").slice(-25).join("\n");
      throw new Error(
        `Installing Chromium failed: \`${[file, ...rest].join(" ")}\` ${run.error ? `could not run (${run.error.message})` : `exited with ${run.status}`}.\n` +
          `${output}\nInstall it by hand: ${sudo.length ? "sudo sh -c '" + MANUAL + "'" : MANUAL}  (or set CHROMIUM_PATH)`,
      );
    }
  }
  if (!existsSync(DEFAULT_CHROMIUM_PATH)) throw new Error(`apt-get installed chromium, but ${DEFAULT_CHROMIUM_PATH} is still missing`);
  log(`[browser tests] chromium installed in ${Math.round((Date.now() - startedAt) / 1000)} s`);
  return DEFAULT_CHROMIUM_PATH;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    console.log(ensureChromium());
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
