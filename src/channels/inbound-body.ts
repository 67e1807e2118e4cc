/** Small pure helpers that several adapters share for reading a verified body. */
import { sha256 } from "../lib/hmac";
import { toHex } from "../lib/encoding";
import { parseXml, XmlError, XmlShapeError, type XmlElement } from "../lib/xml";
import type { InboundRequest, Rejection } from "./types";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export function decodeUtf8(body: Uint8Array): { ok: true; text: string } | { ok: false; rejection: Rejection } {
  try {
    return { ok: true, text: strictUtf8.decode(body) };
  } catch {
    return { ok: false, rejection: { code: "invalid_encoding", message: "The body is not valid UTF-8" } };
  }
}

export type BodyValue = { ok: true; value: unknown } | { ok: false; rejection: Rejection };

const XML_TYPES = new Set(["application/xml", "text/xml"]);

/**
 * Reads a verified body as JSON or XML by its media type, with each platform's own reading of the
 * two: `json` parses the text, `xml` maps the element tree to the same object the JSON would be.
 */
export function readBody(
  request: InboundRequest,
  read: { json: (text: string) => unknown; xml: (root: XmlElement) => unknown },
): BodyValue {
  const decoded = decodeUtf8(request.body);
  if (!decoded.ok) return decoded;
  if (XML_TYPES.has(request.mediaType)) {
    try {
      return { ok: true, value: read.xml(parseXml(decoded.text)) };
    } catch (error) {
      if (error instanceof XmlError) return { ok: false, rejection: { code: error.code, message: error.message } };
      if (error instanceof XmlShapeError) return { ok: false, rejection: { code: "malformed_xml", message: error.message } };
      throw error;
    }
  }
  return jsonOf(decoded.text, read.json);
}

/** Reads a verified body that is always JSON (WooCommerce, Mozello). */
export function readJson(request: InboundRequest, parse: (text: string) => unknown): BodyValue {
  const decoded = decodeUtf8(request.body);
  return decoded.ok ? jsonOf(decoded.text, parse) : decoded;
}

function jsonOf(text: string, parse: (text: string) => unknown): BodyValue {
  try {
    return { ok: true, value: parse(text) };
  } catch (error) {
    return { ok: false, rejection: { code: "malformed_body", message: `The body is not valid JSON: ${(error as Error).message}` } };
  }
}

/** A short, stable fingerprint of a value's canonical JSON, for idempotency keys. */
export async function fingerprint(value: unknown): Promise<string> {
  return toHex(await sha256(JSON.stringify(value))).slice(0, 32);
}
