/**
 * Connect orders for the bench: the tests' sample order (a valid order whose totals add up),
 * written as Connect JSON or Connect XML, and signed the way a store signs them.
 */
import { createHmac } from "node:crypto";
import { sampleOrder } from "../test/fixtures/connect/sample-order.js";

export const FORMATS = {
  json: { contentType: "application/json", encode: (order) => JSON.stringify(order) },
  xml: { contentType: "application/xml", encode: (order) => connectXml(order) },
};

/** An order as a signed request: body text, content type and the X-Inbox-Signature value. */
export function signedOrder(externalId, lines, format, secret) {
  const { contentType, encode } = FORMATS[format];
  const body = encode(sampleOrder(externalId, lines));
  return { body, contentType, signature: signatureHeader(body, secret) };
}

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, as signConnect in
 * src/channels/connect/connect-signature.ts builds it (the CPU part checks the two agree).
 * node:crypto is synchronous and cheap, which keeps the load generator's own CPU use low.
 */
export function signatureHeader(body, secret, unixSeconds = Math.floor(Date.now() / 1000)) {
  const mac = createHmac("sha256", secret).update(`${unixSeconds}.`).update(body).digest("hex");
  return `t=${unixSeconds},v1=${mac}`;
}

// Connect XML (src/channels/connect/connect-xml.ts): root <order>, the JSON's field names as
// elements, one child element per entry of an array field (any name; these are the README's).
const ENTRY_NAMES = { lines: "line", shipping: "method" };

function connectXml(order) {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xmlElement("order", order)}`;
}

function xmlElement(name, value) {
  if (value === null || value === undefined) return `<${name} nil="true"/>`;
  if (Array.isArray(value)) return `<${name}>${value.map((entry) => xmlElement(ENTRY_NAMES[name] ?? "item", entry)).join("")}</${name}>`;
  if (typeof value === "object") {
    return `<${name}>${Object.entries(value).map(([field, inner]) => xmlElement(field, inner)).join("")}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

const escapeXml = (text) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
