/**
 * Milliseconds per password hash: `hashPassword` and `verifyPassword` from src/people/passwords.ts
 * (PBKDF2-HMAC-SHA256, 100,000 iterations), bundled by esbuild and run in this Node process on Node's
 * WebCrypto. Node derives on its libuv thread pool, so the wall time of one call (calls run one at a
 * time) is the derivation itself; workerd derives on the request's thread, so in the Worker the same
 * work is CPU time billed to the sign-in. Same engine family (V8 + an OpenSSL-family library), not
 * workerd: compare changes with it; it is not the Worker's billed CPU.
 *
 *   npx node bench/password.mjs        on its own; `npm run bench` runs it as part (a″)
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const SOURCE = path.join(import.meta.dirname, "..", "src", "people", "passwords.ts");

export async function runPasswordBench({ tmpDir, runs = 20 }) {
  const outfile = path.join(tmpDir, "passwords.mjs");
  await build({ entryPoints: [SOURCE], outfile, bundle: true, format: "esm", platform: "node", target: "es2022", logLevel: "warning" });
  const { hashPassword, verifyPassword, PASSWORD_ITERATIONS } = await import(pathToFileURL(outfile).href);
  const password = "correct horse battery staple";
  const stored = await hashPassword(password);
  if (!(await verifyPassword(password, stored))) throw new Error("the bundled verifyPassword refused its own hash");

  const measure = async (call) => {
    for (let warm = 0; warm < 3; warm++) await call();
    const wall = [];
    const cpuBefore = process.cpuUsage();
    for (let run = 0; run < runs; run++) {
      const start = performance.now();
      await call();
      wall.push(performance.now() - start);
    }
    const cpu = process.cpuUsage(cpuBefore);
    wall.sort((a, b) => a - b);
    return { median: wall[Math.floor(runs / 2)], min: wall[0], max: wall[runs - 1], cpuPerCall: (cpu.user + cpu.system) / 1000 / runs };
  };
  return {
    iterations: PASSWORD_ITERATIONS,
    runs,
    hash: await measure(() => hashPassword(password)),
    verify: await measure(() => verifyPassword(password, stored)),
  };
}

export function renderPassword({ iterations, runs, hash, verify }) {
  const row = (name, m) => `| ${name} | ${m.median.toFixed(1)} | ${m.min.toFixed(1)}–${m.max.toFixed(1)} |`;
  return [
    `### (a″) One password hash: PBKDF2-HMAC-SHA256, ${iterations.toLocaleString("en")} iterations`,
    "",
    `Node WebCrypto, ${runs} calls one after another after 3 warm-up calls; wall ms per call (the derivation runs on Node's thread pool; in workerd it is CPU time on the request).`,
    "",
    "| call | ms (median) | ms (min–max) |",
    "|---|---|---|",
    row("`hashPassword`", hash),
    row("`verifyPassword` (right password)", verify),
  ].join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), "bench-password-"));
  try {
    console.log(renderPassword(await runPasswordBench({ tmpDir })));
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}
