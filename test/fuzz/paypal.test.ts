/**
 * Signed fuzzing of a PayPal channel's webhooks, signed with the fake PayPal's key (see
 * harness.ts). IPNs are not fuzzed here: the channel answers every IPN an empty 200 before PayPal
 * confirms it, so the HTTP contract holds by construction.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { signWebhook } from "../../src/channels/paypal/paypal-webhook-signature";
import { configurePayPal, paypalBaseUrl, paypalKeys } from "../fakes/paypal-control";
import { createChannel } from "../helpers";
import { deliverBytes, fuzzChannel, fuzzTimeout } from "./harness";

const files = import.meta.glob("../fixtures/paypal/webhooks/*.json", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const FAKE = env.PAYPAL_FAKE_URL;
const WEBHOOK_ID = "3HX12345AB678901C";
const ACCOUNT = "pp-fuzz";

describe("a PayPal channel under signed fuzzing", () => {
  it("answers every mutated webhook 2xx or 4xx with the error envelope, never 5xx", { timeout: fuzzTimeout() }, async () => {
    await configurePayPal(FAKE, ACCOUNT, { clientId: `client-${ACCOUNT}`, clientSecret: `secret-${ACCOUNT}` });
    const channel = await createChannel("Fuzz PayPal", {
      type: "paypal",
      account_emails: ["shop@kaffeekontor.example"],
      receiver_id: "8XYZ4ABCDEF2G",
      webhook_id: WEBHOOK_ID,
      api_url: paypalBaseUrl(FAKE, ACCOUNT),
    });
    const keys = await paypalKeys(FAKE);
    const bodies = Object.entries(files).map(([file, body]) => ({ name: file.split("/").pop()!, body }));
    await fuzzChannel({
      bodies,
      post: async (bytes) => {
        const headers = await signWebhook(keys.privateKeyPem, {
          transmissionId: crypto.randomUUID(),
          transmissionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
          webhookId: WEBHOOK_ID,
          certUrl: `${paypalBaseUrl(FAKE, ACCOUNT)}${keys.certPath}`,
          body: bytes,
        });
        return deliverBytes(channel.token, bytes, { "content-type": "application/json", "user-agent": "PayPal/AUHD-214.0-58843486", ...headers });
      },
    });
  });
});
