/**
 * Shopify signs every webhook with `X-Shopify-Hmac-Sha256`: base64 of HMAC-SHA256 over the raw
 * body bytes. The key is the signing key shown under Settings > Notifications > Webhooks (for
 * webhooks a merchant creates there) or the app's client secret; it is used as UTF-8 text, never
 * hex-decoded. There is no timestamp under the signature, so replays are caught by deduplication.
 */
import { signBase64Hmac, verifyBase64Hmac } from "../base64-hmac";
import type { Verification } from "../types";

export const HMAC_HEADER = "x-shopify-hmac-sha256";

const SCHEME = {
  header: "X-Shopify-Hmac-Sha256",
  mismatch:
    "The HMAC does not match with any of the channel's keys: paste the signing key shown under Settings > Notifications > Webhooks (or the app's client secret) into the channel",
};

export const verifyShopifyHmac = (header: string | null, body: Uint8Array, secrets: Array<{ id: string; secret: string }>): Promise<Verification> =>
  verifyBase64Hmac(SCHEME, header, body, secrets);

/** What Shopify puts in X-Shopify-Hmac-Sha256; used by the sample order, the tests and the bench. */
export const signShopify = (body: Uint8Array | string, secret: string): Promise<string> => signBase64Hmac(body, secret);
