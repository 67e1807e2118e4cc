#!/usr/bin/env node
/**
 * `npm start`: the inbox on http://localhost:8787 with local D1, Queues and Cron. Runs on Node,
 * not in the Worker: it stands in locally for what Cloudflare does in production.
 *
 * 1. makes sure .dev.vars holds an ADMIN_TOKEN and a SETTINGS_KEY (writes random ones when missing)
 *    and prints the token;
 * 2. applies the D1 migrations to the local database, and, while it has no user, makes the first
 *    owner (owner@localhost, with a random password kept in .dev.vars) and prints how to sign in;
 * 3. runs `wrangler dev` (arguments after `--` pass through, e.g. `npm start -- --port 8888`);
 * 4. fires the Cron Triggers locally, once a minute, since wrangler dev does not fire them itself.
 */
import { spawn, spawnSync } from "node:child_process";
import { pbkdf2Sync, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const args = process.argv.slice(2);
const portIndex = args.findIndex((arg) => arg === "--port" || arg.startsWith("--port="));
const port = portIndex === -1 ? 8787 : Number(args[portIndex].includes("=") ? args[portIndex].split("=")[1] : args[portIndex + 1]);
const origin = `http://localhost:${port}`;

// Keep local runs offline and quiet: no cf.json fetch, no telemetry.
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

const devVars = path.join(root, ".dev.vars");
let vars = existsSync(devVars) ? readFileSync(devVars, "utf8") : "";
const readVar = (name) => new RegExp(`^${name}\\s*=\\s*"?([^"\\n]+)"?\\s*$`, "m").exec(vars)?.[1];
/** Local secrets the inbox needs: written once, random, kept in the gitignored .dev.vars. */
const ensureVar = (name, make) => {
  if (readVar(name)) return;
  vars = `${vars}${vars && !vars.endsWith("\n") ? "\n" : ""}${name}=${make()}\n`;
  writeFileSync(devVars, vars, { mode: 0o600 });
  console.log(`Wrote a new ${name} to .dev.vars`);
};
ensureVar("ADMIN_TOKEN", () => randomBytes(24).toString("base64url"));
ensureVar("SETTINGS_KEY", () => randomBytes(32).toString("base64"));
const token = readVar("ADMIN_TOKEN");

const migrate = spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local", ...persistArgs()], { cwd: root, env, stdio: "inherit" });
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

// The first owner, made once: the same PBKDF2-SHA256 format the Worker checks (src/people/passwords.ts).
const OWNER_EMAIL = "owner@localhost";
ensureVar("DEV_OWNER_PASSWORD", () => randomBytes(15).toString("base64url"));
const ownerPassword = readVar("DEV_OWNER_PASSWORD");
const salt = randomBytes(16);
const hash = pbkdf2Sync(ownerPassword.normalize("NFC"), salt, 100_000, 32, "sha256");
const stored = `pbkdf2-sha256$100000$${salt.toString("base64")}$${hash.toString("base64")}`;
const at = Date.now();
const makeOwner = spawnSync(
  "wrangler",
  [
    "d1",
    "execute",
    "DB",
    "--local",
    ...persistArgs(),
    "--command",
    `INSERT INTO users (id, email, name, role, password_hash, disabled_at, created_at, updated_at)
     SELECT 'usr_local_owner', '${OWNER_EMAIL}', 'Owner', 'owner', '${stored}', NULL, ${at}, ${at}
     WHERE NOT EXISTS (SELECT 1 FROM users)`,
  ],
  { cwd: root, env, stdio: ["ignore", "ignore", "inherit"] },
);
if (makeOwner.status !== 0) process.exit(makeOwner.status ?? 1);

console.log(`
  Sales Inbox is starting on ${origin}
  Dashboard:    ${origin}/dashboard
                sign in as ${OWNER_EMAIL} with the password ${ownerPassword}
                (kept in .dev.vars as DEV_OWNER_PASSWORD; if you changed it, yours holds)
  Admin token:  ${token}   (the bootstrap owner key of the API)
  Try:          curl -H "Authorization: Bearer ${token}" ${origin}/api/channels
`);

const wrangler = spawn("wrangler", ["dev", "--test-scheduled", ...args], { cwd: root, env, stdio: "inherit" });

const CRONS = ["* * * * *", "17 3 * * *"];
const matches = (cron, at) => {
  const [minute, hour] = cron.split(" ");
  return (minute === "*" || Number(minute) === at.getUTCMinutes()) && (hour === "*" || Number(hour) === at.getUTCHours());
};
const tick = async () => {
  const at = new Date();
  for (const cron of CRONS.filter((cron) => matches(cron, at))) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(cron)}`);
      console.log(`[cron] "${cron}" ran: ${response.status} ${await response.text()}`);
    } catch {
      // wrangler is still starting or restarting; the next minute tries again
    }
  }
};
let timer;
const scheduleNextMinute = () => {
  timer = setTimeout(() => {
    void tick();
    scheduleNextMinute();
  }, 60_000 - (Date.now() % 60_000));
};
scheduleNextMinute();

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    clearTimeout(timer);
    wrangler.kill(signal);
  });
}
wrangler.on("exit", (code, signal) => {
  clearTimeout(timer);
  process.exit(code ?? (signal ? 0 : 1));
});

function persistArgs() {
  const index = args.findIndex((arg) => arg === "--persist-to" || arg.startsWith("--persist-to="));
  if (index === -1) return [];
  return args[index].includes("=") ? [args[index]] : [args[index], args[index + 1]];
}
