/**
 * WooCommerce signs each webhook delivery with `X-WC-Webhook-Signature`: base64 of HMAC-SHA256
 * over the raw body, keyed with the webhook's secret. The one unsigned request it sends is the
 * ping when a webhook is saved: a form body `webhook_id=<n>` with no X-WC headers, which must be
 * answered 200 (anything else shows as an error in the store's admin).
 */
import { signBase64Hmac, verifyBase64Hmac } from "../base64-hmac";
import type { Verification } from "../types";

export const SIGNATURE_HEADER = "x-wc-webhook-signature";

const PING = /^webhook_id=\d+$/;
const latin1 = new TextDecoder("latin1");

export function isPing(headers: Headers, body: Uint8Array): boolean {
  return !headers.get(SIGNATURE_HEADER) && body.byteLength < 64 && PING.test(latin1.decode(body).trim());
}

const SCHEME = {
  header: "X-WC-Webhook-Signature",
  mismatch: "The signature does not match with any of the channel's secrets: the webhook's Secret in WooCommerce must be this channel's secret (not the REST API key)",
};

export async function verifyWooSignature(headers: Headers, body: Uint8Array, secrets: Array<{ id: string; secret: string }>): Promise<Verification> {
  if (!headers.get(SIGNATURE_HEADER) && isPing(headers, body)) return { ok: true, secretId: null };
  return verifyBase64Hmac(SCHEME, headers.get(SIGNATURE_HEADER), body, secrets);
}

/** What WooCommerce puts in X-WC-Webhook-Signature; used by the sample order, the tests and the fake store. */
export const signWoo = (body: Uint8Array | string, secret: string): Promise<string> => signBase64Hmac(body, secret);
