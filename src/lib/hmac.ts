/** HMAC-SHA256 and SHA-256 over raw bytes, through WebCrypto (the same code runs in workerd and Node). */
import { fromBase64, timingSafeEqual, utf8 } from "./encoding";

// Importing a key costs more than the HMAC itself; keys live as long as the isolate.
const keyCache = new Map<string, Promise<CryptoKey>>();
const KEY_CACHE_LIMIT = 256;

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keyCache.get(secret);
  if (!key) {
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    key = crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    keyCache.set(secret, key);
  }
  return key;
}

export async function hmacSha256(secret: string, message: Uint8Array): Promise<Uint8Array> {
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), message as BufferSource);
  return new Uint8Array(signature);
}

export async function sha256(message: Uint8Array | string): Promise<Uint8Array> {
  const bytes = typeof message === "string" ? utf8.encode(message) : message;
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
}

/**
 * Which of the secrets signed `body`, given a base64 HMAC-SHA256 header (Shopify's and
 * WooCommerce's scheme): its id, null when none did, "malformed" when the header is not a
 * base64 SHA-256 MAC at all. Compared in constant time.
 */
export async function secretSigningBase64(
  header: string,
  body: Uint8Array,
  secrets: Array<{ id: string; secret: string }>,
): Promise<string | null | "malformed"> {
  const given = fromBase64(header);
  if (!given || given.length !== 32) return "malformed";
  for (const { id, secret } of secrets) {
    if (timingSafeEqual(given, await hmacSha256(secret, body))) return id;
  }
  return null;
}
