/**
 * Confirming a stored PayPal delivery (the queue's side of a deferred verification):
 * - an IPN is posted back to PayPal untouched; only VERIFIED counts, INVALID is a rejection;
 * - a webhook is checked against the certificate at its PAYPAL-CERT-URL (allow-listed, cached);
 * - a capture-only event (PAYMENT.CAPTURE.COMPLETED) has its order looked up for the items.
 * PayPal being unreachable is a retryable error: the queue tries again later.
 */
import { parseJsonLossless } from "../../lib/json";
import type { Certificate } from "../../lib/x509";
import { readJson } from "../inbound-body";
import type { ChannelConfig, ChannelSource, DeferredConfirmer, InboundRequest, ParseVerdict } from "../types";
import { createPayPalClient } from "./paypal-api";
import { decodeIpn, IPN_MEDIA_TYPE } from "./paypal-ipn";
import { checkoutOrderVerdict, ipnVerdict, readWebhookEvent } from "./paypal-read";
import { paypalEndpoints, type PayPalSettings } from "./paypal-settings";
import { readCertificate, readTransmission, verifyTransmission } from "./paypal-webhook-signature";

// PayPal rotates its signing certificate about yearly; a day in memory saves a fetch per delivery.
const CERT_TTL_MS = 24 * 60 * 60_000;
const certificates = new Map<string, { certificate: Certificate; expiresAt: number }>();

async function confirm(request: InboundRequest, channel: ChannelConfig<PayPalSettings>, source: Pick<ChannelSource, "credentials" | "fetch" | "now" | "sleep">): Promise<ParseVerdict> {
  const endpoints = paypalEndpoints(channel.settings);
  const client = createPayPalClient({
    endpoints,
    clientId: channel.settings.client_id,
    clientSecret: source.credentials.client_secret,
    fetch: source.fetch,
    sleep: source.sleep,
    now: () => source.now,
  });

  if (request.mediaType === IPN_MEDIA_TYPE) {
    const decoded = decodeIpn(request.body);
    if (!decoded.ok && !decoded.names) return { kind: "rejected", rejection: decoded.rejection };
    const answer = await client.validateIpn(request.body);
    if (answer === "INVALID") {
      return { kind: "rejected", rejection: { code: "signature_mismatch", message: "PayPal answered INVALID: it did not send this IPN, or the body was changed on the way" } };
    }
    // Genuine but unreadable here: settled for good with the reason (PayPal is not asked to resend it), the body kept.
    if (!decoded.ok) return { kind: "rejected", rejection: decoded.rejection };
    return ipnVerdict(decoded.fields, channel.settings, request.receivedAt);
  }

  const read = readTransmission(request.headers, endpoints.certUrlAllowed);
  if (!read.ok) return { kind: "rejected", rejection: read.rejection };
  const webhookId = channel.settings.webhook_id ?? null;
  if (!webhookId) return { kind: "rejected", rejection: { code: "signature_mismatch", message: "Set the channel's webhook_id: PayPal signs every webhook over it" } };
  let cached = certificates.get(read.transmission.certUrl);
  if (!cached || cached.expiresAt <= source.now) {
    const certificate = readCertificate(await client.certificate(read.transmission.certUrl));
    if ("code" in certificate) return { kind: "rejected", rejection: certificate };
    cached = { certificate, expiresAt: source.now + CERT_TTL_MS };
    certificates.set(read.transmission.certUrl, cached);
  }
  const refused = await verifyTransmission(read.transmission, webhookId, request.body, cached.certificate, endpoints.certCommonName, source.now);
  if (refused) return { kind: "rejected", rejection: refused };

  const body = readJson(request, parseJsonLossless);
  if (!body.ok) return { kind: "rejected", rejection: body.rejection };
  const reading = readWebhookEvent(body.value, channel.settings);
  if (reading.kind !== "lookup") return reading;
  if (!source.credentials.client_secret) {
    return { kind: "ignored", reason: `Capture ${reading.captureId}: the channel has no REST credentials to look its order up; add them (the transaction feed brings it meanwhile)` };
  }
  const order = await client.checkoutOrder(reading.orderId);
  if (order === null) return { kind: "ignored", reason: `PayPal does not know order ${reading.orderId} of capture ${reading.captureId}` };
  return checkoutOrderVerdict(order, channel.settings, reading.captureId);
}

export const paypalConfirmer: DeferredConfirmer<PayPalSettings> = { confirm };
