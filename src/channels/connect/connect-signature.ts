/**
 * Connect's signature: `X-Inbox-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * Binding the timestamp into the MAC stops replays outside the tolerance window; several v1
 * values may be present so a sender can sign with an old and a new secret during rotation.
 */
import { concatBytes, fromHex, timingSafeEqual, toHex, utf8 } from "../../lib/encoding";
import { hmacSha256 } from "../../lib/hmac";
import type { Rejection, Verification } from "../types";

export const SIGNATURE_HEADER = "x-inbox-signature";
export const TOLERANCE_SECONDS = 300;

export interface ConnectSignatureInput {
  header: string | null;
  body: Uint8Array;
  secrets: Array<{ id: string; secret: string }>;
  /** Epoch ms. */
  now: number;
  toleranceSeconds?: number;
}

const reject = (code: Rejection["code"], message: string): Verification => ({ ok: false, rejection: { code, message } });

export async function verifyConnectSignature(input: ConnectSignatureInput): Promise<Verification> {
  const { header, body, secrets, now, toleranceSeconds = TOLERANCE_SECONDS } = input;
  if (!header) return reject("signature_missing", `The ${SIGNATURE_HEADER} header is missing`);

  let timestamp: string | undefined;
  const candidates: Uint8Array[] = [];
  for (const part of header.split(",")) {
    const [name, value = ""] = part.trim().split("=", 2).map((piece) => piece.trim());
    if (name === "t") timestamp = value;
    if (name === "v1") {
      const bytes = fromHex(value);
      if (bytes?.length === 32) candidates.push(bytes);
    }
  }
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || candidates.length === 0) {
    return reject("signature_malformed", `The ${SIGNATURE_HEADER} header must look like t=<unix seconds>,v1=<64 hex digits>`);
  }
  const skew = Math.abs(now / 1000 - Number(timestamp));
  if (skew > toleranceSeconds) {
    return reject("signature_expired", `The signature timestamp is ${Math.round(skew)} s away from the inbox's clock (at most ${toleranceSeconds} s): sign each request when sending it`);
  }
  const signed = concatBytes(utf8.encode(`${timestamp}.`), body);
  for (const { id, secret } of secrets) {
    const expected = await hmacSha256(secret, signed);
    if (candidates.some((candidate) => timingSafeEqual(candidate, expected))) return { ok: true, secretId: id };
  }
  return reject("signature_mismatch", "The signature does not match the body with any of the channel's secrets: sign the raw body bytes exactly as sent");
}

/** The header value a sender puts on a request. Used by tests, the bench and the README's examples. */
export async function signConnect(body: Uint8Array | string, secret: string, unixSeconds: number): Promise<string> {
  const bytes = typeof body === "string" ? utf8.encode(body) : body;
  const mac = await hmacSha256(secret, concatBytes(utf8.encode(`${unixSeconds}.`), bytes));
  return `t=${unixSeconds},v1=${toHex(mac)}`;
}
