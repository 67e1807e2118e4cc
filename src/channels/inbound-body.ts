/** Small pure helpers that several adapters share for reading a verified body. */
import { sha256 } from "../lib/hmac";
import { toHex } from "../lib/encoding";
import type { Rejection } from "./types";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export function decodeUtf8(body: Uint8Array): { ok: true; text: string } | { ok: false; rejection: Rejection } {
  try {
    return { ok: true, text: strictUtf8.decode(body) };
  } catch {
    return { ok: false, rejection: { code: "invalid_encoding", message: "The body is not valid UTF-8" } };
  }
}

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; rejection: Rejection } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, rejection: { code: "malformed_body", message: `The body is not valid JSON: ${(error as Error).message}` } };
  }
}

/** A short, stable fingerprint of a value's canonical JSON, for idempotency keys. */
export async function fingerprint(value: unknown): Promise<string> {
  return toHex(await sha256(JSON.stringify(value))).slice(0, 32);
}
