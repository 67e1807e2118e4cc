/**
 * PayPal Checkout: orders of carts paid through PayPal, from the merchant's own PayPal account.
 * Three paths meet on the PayPal transaction id: the transaction feed (Transaction Search, the
 * source of truth, swept by paypal-reconcile.ts), IPN and REST webhooks (the fast paths, both
 * posted to the channel URI).
 *
 * Neither push path can be verified from the bytes alone: an IPN is genuine only if PayPal says
 * VERIFIED to its postback, and a webhook's certificate must be fetched. So `verify` checks what it
 * can offline and answers "deferred": the delivery is stored and answered 200 at once (PayPal
 * resends anything else), and paypal-confirm.ts decides from the queue.
 */
import { parseJsonLossless } from "../../lib/json";
import { decodeUtf8, readJson } from "../inbound-body";
import type { ChannelAdapter, ParseVerdict, Verification } from "../types";
import { decodeIpn, IPN_MEDIA_TYPE } from "./paypal-ipn";
import { ipnVerdict, readWebhookEvent } from "./paypal-read";
import { paypalEndpoints, paypalSettings, type PayPalSettings } from "./paypal-settings";
import { readTransmission } from "./paypal-webhook-signature";

export const paypalAdapter: ChannelAdapter<PayPalSettings> = {
  type: "paypal",
  mediaTypes: [IPN_MEDIA_TYPE, "application/json"],
  settings: paypalSettings,
  name: "PayPal Checkout",
  description: "IPN and REST webhooks, each confirmed with PayPal; the transaction feed.",
  setup: [
    [
      "In PayPal (",
      { menu: ["Account Settings", "Notifications", "Instant payment notifications"] },
      "), set the notification URL to ",
      { uri: true },
      " and turn IPN on; set the language encoding to UTF-8 if you can (windows-1252 works too).",
    ],
    [
      "Set this channel's ",
      { code: "account_emails" },
      " (the account's primary address, which every IPN names, and any other it is paid to) and ",
      { code: "receiver_id" },
      " to the PayPal account: IPNs to another account are refused.",
    ],
    [
      "For the transaction feed: in the PayPal developer dashboard, create a REST app on this account with ",
      { button: "Transaction Search" },
      " ticked, and give the channel its ",
      { code: "client_id" },
      " and ",
      { code: "client_secret" },
      " (environment live or sandbox).",
    ],
    [
      "For REST checkouts: on that app add a webhook with the URL ",
      { uri: true },
      " for ",
      { code: "PAYMENT.CAPTURE.COMPLETED" },
      ", ",
      { code: "PAYMENT.CAPTURE.REFUNDED" },
      " and ",
      { code: "PAYMENT.CAPTURE.REVERSED" },
      " (the inbox looks each capture's order up for its items), and give the channel its ",
      { code: "webhook_id" },
      ".",
    ],
  ],
  testOrder: {
    unavailable:
      "PayPal deliveries are verified by asking PayPal itself (the IPN postback or the webhook's certificate), so a test order cannot be made up here. Use PayPal's sandbox IPN simulator or a sandbox payment with this channel's URI instead.",
  },
  automation: "by-hand",

  async verify(request, channel): Promise<Verification> {
    if (request.mediaType === IPN_MEDIA_TYPE) {
      const decoded = decodeIpn(request.body);
      // A well-formed IPN in a charset the inbox cannot read is still PayPal's to vouch for: stored, 200, confirmed.
      if (!decoded.ok && !decoded.names) return { ok: false, rejection: decoded.rejection };
      const names = decoded.ok ? new Set(Object.keys(decoded.fields).filter((name) => decoded.fields[name] !== "")) : decoded.names!;
      if (!names.has("txn_id") && !names.has("txn_type")) {
        return { ok: false, rejection: { code: "malformed_body", message: "This is not an IPN: it has neither txn_id nor txn_type" } };
      }
      return { ok: "deferred" };
    }
    const read = readTransmission(request.headers, paypalEndpoints(channel.settings).certUrlAllowed);
    if (!read.ok) return { ok: false, rejection: read.rejection };
    // The stored text must be the exact bytes PayPal signed, so only valid UTF-8 is stored.
    const text = decodeUtf8(request.body);
    if (!text.ok) return { ok: false, rejection: text.rejection };
    return { ok: "deferred" };
  },

  /** What a delivery becomes once PayPal confirmed it (pure; a capture-only event needs its order looked up first). */
  async parse(request, channel): Promise<ParseVerdict> {
    if (request.mediaType === IPN_MEDIA_TYPE) {
      const decoded = decodeIpn(request.body);
      return decoded.ok ? ipnVerdict(decoded.fields, channel.settings, request.receivedAt) : { kind: "rejected", rejection: decoded.rejection };
    }
    const body = readJson(request, parseJsonLossless);
    if (!body.ok) return { kind: "rejected", rejection: body.rejection };
    const reading = readWebhookEvent(body.value, channel.settings);
    return reading.kind === "lookup" ? { kind: "ignored", reason: `Capture ${reading.captureId} needs its order ${reading.orderId} looked up` } : reading;
  },
};
