/**
 * Mozello signs each notification with `X-Mozello-Hash`: base64 of HMAC-SHA256 over the raw body,
 * keyed with the store's API key (the channel's secret).
 */
import { signBase64Hmac, verifyBase64Hmac } from "../base64-hmac";
import type { Verification } from "../types";

export const HASH_HEADER = "x-mozello-hash";

const SCHEME = {
  header: "X-Mozello-Hash",
  mismatch: "The hash does not match: the channel's secret must be the store's current Mozello API key",
};

export const verifyMozelloHash = (header: string | null, body: Uint8Array, secrets: Array<{ id: string; secret: string }>): Promise<Verification> =>
  verifyBase64Hmac(SCHEME, header, body, secrets);

/** What Mozello puts in X-Mozello-Hash; used by the sample order, the tests and the fake store. */
export const signMozello = (body: Uint8Array | string, secret: string): Promise<string> => signBase64Hmac(body, secret);
