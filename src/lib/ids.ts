/**
 * Ids are a prefix, the creation time in base32 (so they sort by time) and 80 random bits:
 * `ord_01kb3m8q6f_x4c9...`. Channel tokens are 256 random bits: the URI is the channel's address
 * and must not be guessable.
 */
import { toBase64Url } from "./encoding";

const BASE32 = "0123456789abcdefghjkmnpqrstvwxyz";

function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

function timePart(now: number): string {
  let out = "";
  let remaining = Math.floor(now);
  for (let index = 0; index < 10; index++) {
    out = BASE32[remaining % 32] + out;
    remaining = Math.floor(remaining / 32);
  }
  return out;
}

export type IdPrefix = "ch" | "sec" | "ord" | "evt" | "dlv" | "rfd" | "rcn" | "cus" | "prd" | "doc" | "pay" | "stm" | "adj" | "sts" | "rst" | "usr" | "key" | "aud";

export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  return `${prefix}_${timePart(now)}${base32(crypto.getRandomValues(new Uint8Array(10)))}`;
}

export function newToken(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/** Channel secrets: 192 random bits, prefixed so that a leaked one is recognisable. */
export function newSecret(): string {
  return `whsec_${toBase64Url(crypto.getRandomValues(new Uint8Array(24)))}`;
}
