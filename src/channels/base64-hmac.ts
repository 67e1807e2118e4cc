/**
 * The signature Shopify, WooCommerce and Mozello share: a header holding base64 of HMAC-SHA256
 * over the raw body, keyed with the secret as UTF-8 text. Only the header's name and what to tell
 * the merchant on a mismatch differ, so each platform's verifier is this with its own words.
 */
import { toBase64, utf8 } from "../lib/encoding";
import { hmacSha256, secretSigningBase64 } from "../lib/hmac";
import type { Verification } from "./types";

export interface Base64HmacScheme {
  /** As the platform's documentation spells it ("X-Shopify-Hmac-Sha256"). */
  header: string;
  /** What the merchant should check when no secret of the channel matches. */
  mismatch: string;
}

export async function verifyBase64Hmac(
  scheme: Base64HmacScheme,
  header: string | null,
  body: Uint8Array,
  secrets: Array<{ id: string; secret: string }>,
): Promise<Verification> {
  if (!header) return { ok: false, rejection: { code: "signature_missing", message: `The ${scheme.header} header is missing` } };
  const signer = await secretSigningBase64(header, body, secrets);
  if (signer === "malformed") {
    return { ok: false, rejection: { code: "signature_malformed", message: `${scheme.header} must be a base64 HMAC-SHA256 (44 characters)` } };
  }
  if (signer) return { ok: true, secretId: signer };
  return { ok: false, rejection: { code: "signature_mismatch", message: scheme.mismatch } };
}

/** The header value the platform sends: what the samples, the fake stores and the tests sign with. */
export async function signBase64Hmac(body: Uint8Array | string, secret: string): Promise<string> {
  return toBase64(await hmacSha256(secret, typeof body === "string" ? utf8.encode(body) : body));
}
