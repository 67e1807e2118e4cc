/** Signed fuzzing of a WooCommerce channel (see harness.ts). */
import { describe, it } from "vitest";
import { signWoo } from "../../src/channels/woocommerce/woocommerce-signature";
import cases from "../fixtures/woocommerce/cases.json";
import { createChannel } from "../helpers";
import { deliverBytes, fuzzChannel, fuzzTimeout } from "./harness";

const files = import.meta.glob("../fixtures/woocommerce/*.body", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const SECRET = "fuzzWooSecret-0123456789";

describe("a WooCommerce channel under signed fuzzing", () => {
  it("answers every mutated webhook 2xx or 4xx with the error envelope, never 5xx", { timeout: fuzzTimeout() }, async () => {
    const channel = await createChannel("Fuzz Woo", { type: "woocommerce", secret: SECRET });
    // The ping is a form body, not JSON: the other nine cases are the orders.
    const bodies = cases.filter((entry) => entry.name !== "ping").map((entry) => ({ name: entry.name, body: files[`../fixtures/woocommerce/${entry.name}.body`]! }));
    await fuzzChannel({
      bodies,
      post: async (bytes, entry) =>
        deliverBytes(channel.token, bytes, {
          ...(cases.find((each) => each.name === entry.name)!.headers as Record<string, string>),
          "X-WC-Webhook-Delivery-ID": crypto.randomUUID(),
          "X-WC-Webhook-Signature": await signWoo(bytes, SECRET),
        }),
    });
  });
});
