import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { FirstOwnerFirst } from "./test/browser/sequencer";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    test: {
      // The browser test that makes the first owner through its form runs before any other adds a person.
      sequence: { sequencer: FirstOwnerFirst },
      projects: [
        {
          // Every test but the browser tests, inside workerd.
          plugins: [
            cloudflareTest(({ inject }) => ({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  ADMIN_TOKEN: "test-admin-token-0123456789",
                  // 32 bytes, base64: seals store credentials in tests.
                  SETTINGS_KEY: "dGVzdC1zZXR0aW5ncy1rZXktMzItYnl0ZXMtbG9uZyE=",
                  // The fake stores listen on plain HTTP on loopback.
                  ALLOW_INSECURE_STORE_URLS: "true",
                  SHOPIFY_FAKE_URL: inject("shopifyUrl"),
                  WOO_FAKE_URL: inject("wooUrl"),
                  MOZELLO_FAKE_URL: inject("mozelloUrl"),
                  PAYPAL_FAKE_URL: inject("paypalUrl"),
                  ECB_FAKE_URL: inject("ecbUrl"),
                  // No test reaches the real ECB: the API's fetches go to the fake's "tests" bank.
                  ECB_RATES_URL: `${inject("ecbUrl")}/banks/tests/stats/eurofxref/eurofxref-daily.xml`,
                  // Nothing listens on the discard port: a VIES check queued by a test is "unavailable", never the real register.
                  VIES_URL: "http://127.0.0.1:9/vies",
                },
              },
            })),
          ],
          test: {
            name: "workers",
            globalSetup: ["./test/global-setup.ts"],
            setupFiles: ["./test/apply-migrations.ts"],
            // Cases per fuzz property (test/fuzz): `npm run test:fuzz` sets FUZZ_RUNS; the suite runs a few.
            provide: { fuzzRuns: Number(process.env.FUZZ_RUNS) || 0 },
            include: ["test/**/*.test.ts"],
            exclude: ["test/browser/**", "**/node_modules/**"],
          },
        },
        {
          // Headless Debian Chromium against one `wrangler dev` (test/browser/global-setup.ts), in Node.
          test: {
            name: "browser",
            environment: "node",
            globalSetup: ["./test/browser/global-setup.ts"],
            include: ["test/browser/**/*.test.ts"],
            testTimeout: 60_000,
            hookTimeout: 60_000,
            // One file at a time against the one wrangler dev: dashboard.test.ts's first-owner form must come first.
            fileParallelism: false,
            // After the workers tests, so Chromium and wrangler dev do not compete with them for the CPU.
            sequence: { groupOrder: 1 },
          },
        },
      ],
    },
  };
});
