/** Signed fuzzing of a Shopify channel, JSON and XML webhooks (see harness.ts). */
import { describe, it } from "vitest";
import { signShopify } from "../../src/channels/shopify/shopify-signature";
import cases from "../fixtures/shopify/cases.json";
import { createChannel } from "../helpers";
import { deliverBytes, fuzzChannel, fuzzTimeout } from "./harness";

const files = import.meta.glob("../fixtures/shopify/*.{json,xml}", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const SIGNING_KEY = "fuzz-shopify-signing-key";

describe("a Shopify channel under signed fuzzing", () => {
  for (const format of ["json", "xml"] as const) {
    it(`answers every mutated ${format.toUpperCase()} webhook 2xx or 4xx with the error envelope, never 5xx`, { timeout: fuzzTimeout() }, async () => {
      const channel = await createChannel(`Fuzz Shopify ${format}`, { type: "shopify", secret: SIGNING_KEY });
      const bodies = cases.flatMap((entry) => {
        const body = files[`../fixtures/shopify/${entry.name}.${format}`];
        return body === undefined ? [] : [{ name: entry.name, body, xml: format === "xml" }];
      });
      let sent = 0;
      await fuzzChannel({
        bodies,
        post: async (bytes, entry) => {
          const headers = { ...(cases.find((each) => each.name === entry.name)!.headers as Record<string, string>) };
          // Most cases carry a fresh event id; some keep the fixture's, so reused event ids get fuzzed too.
          if (sent++ % 4) headers["X-Shopify-Event-Id"] = crypto.randomUUID();
          return deliverBytes(channel.token, bytes, {
            ...headers,
            "content-type": format === "json" ? "application/json" : "application/xml",
            "x-shopify-hmac-sha256": await signShopify(bytes, SIGNING_KEY),
          });
        },
      });
    });
  }
});
