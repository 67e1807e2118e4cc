import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
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
          },
        },
      })),
    ],
    test: {
      globalSetup: ["./test/global-setup.ts"],
      setupFiles: ["./test/apply-migrations.ts"],
      include: ["test/**/*.test.ts"],
    },
  };
});
