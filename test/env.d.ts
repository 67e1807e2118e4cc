declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    ADMIN_TOKEN: string;
    SETTINGS_KEY: string;
    SHOPIFY_FAKE_URL: string;
    WOO_FAKE_URL: string;
    MOZELLO_FAKE_URL: string;
    PAYPAL_FAKE_URL: string;
    ECB_FAKE_URL: string;
  }
}
