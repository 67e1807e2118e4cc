/**
 * WooCommerce signs each webhook delivery with `X-WC-Webhook-Signature`: base64 of HMAC-SHA256
 * over the raw body, keyed with the webhook's secret. The one unsigned request it sends is the
 * ping when a webhook is saved: a form body `webhook_id=<n>` with no X-WC headers, which must be
 * answered 200 (anything else shows as an error in the store's admin).
 */
import { toBase64, utf8 } from "../../lib/encoding";
import { hmacSha256, secretSigningBase64 } from "../../lib/hmac";
import type { Verification } from "../types";

export const SIGNATURE_HEADER = "x-wc-webhook-signature";

const PING = /^webhook_id=\d+$/;
const latin1 = new TextDecoder("latin1");

export function isPing(headers: Headers, body: Uint8Array): boolean {
  return !headers.get(SIGNATURE_HEADER) && body.byteLength < 64 && PING.test(latin1.decode(body).trim());
}

export async function verifyWooSignature(headers: Headers, body: Uint8Array, secrets: Array<{ id: string; secret: string }>): Promise<Verification> {
  const header = headers.get(SIGNATURE_HEADER);
  if (!header) {
    if (isPing(headers, body)) return { ok: true, secretId: null };
    return { ok: false, rejection: { code: "signature_missing", message: "The X-WC-Webhook-Signature header is missing" } };
  }
  const signer = await secretSigningBase64(header, body, secrets);
  if (signer === "malformed") {
    return { ok: false, rejection: { code: "signature_malformed", message: "X-WC-Webhook-Signature must be a base64 HMAC-SHA256 (44 characters)" } };
  }
  if (signer) return { ok: true, secretId: signer };
  return {
    ok: false,
    rejection: {
      code: "signature_mismatch",
      message: "The signature does not match with any of the channel's secrets: the webhook's Secret in WooCommerce must be this channel's secret (not the REST API key)",
    },
  };
}

/** What WooCommerce puts in X-WC-Webhook-Signature; used by tests and the fake store. */
export async function signWoo(body: Uint8Array | string, secret: string): Promise<string> {
  return toBase64(await hmacSha256(secret, typeof body === "string" ? utf8.encode(body) : body));
}
