/**
 * Shopify signs every webhook with `X-Shopify-Hmac-Sha256`: base64 of HMAC-SHA256 over the raw
 * body bytes. The key is the signing key shown under Settings > Notifications > Webhooks (for
 * webhooks a merchant creates there) or the app's client secret; it is used as UTF-8 text, never
 * hex-decoded. There is no timestamp under the signature, so replays are caught by deduplication.
 */
import { toBase64 } from "../../lib/encoding";
import { hmacSha256, secretSigningBase64 } from "../../lib/hmac";
import type { Verification } from "../types";

export const HMAC_HEADER = "x-shopify-hmac-sha256";

export async function verifyShopifyHmac(
  header: string | null,
  body: Uint8Array,
  secrets: Array<{ id: string; secret: string }>,
): Promise<Verification> {
  if (!header) return { ok: false, rejection: { code: "signature_missing", message: "The X-Shopify-Hmac-Sha256 header is missing" } };
  const signer = await secretSigningBase64(header, body, secrets);
  if (signer === "malformed") {
    return { ok: false, rejection: { code: "signature_malformed", message: "X-Shopify-Hmac-Sha256 must be a base64 HMAC-SHA256 (44 characters)" } };
  }
  if (signer) return { ok: true, secretId: signer };
  return {
    ok: false,
    rejection: {
      code: "signature_mismatch",
      message:
        "The HMAC does not match with any of the channel's keys: paste the signing key shown under Settings > Notifications > Webhooks (or the app's client secret) into the channel",
    },
  };
}

/** What Shopify puts in X-Shopify-Hmac-Sha256; used by tests and the bench. */
export async function signShopify(body: Uint8Array, secret: string): Promise<string> {
  return toBase64(await hmacSha256(secret, body));
}
