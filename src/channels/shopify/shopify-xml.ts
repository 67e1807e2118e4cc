/**
 * Shopify's XML webhooks are Rails `to_xml` output: dasherised element names, `type="array"`
 * lists with singular children, `nil="true"` for null, and `type` attributes on scalars that are
 * not reliable (money tagged "integer", decimals without a type). We keep every scalar as text and
 * let the payload schema coerce by field name, exactly as for JSON.
 */
import { XmlShapeError, xmlToObject, type XmlElement } from "../../lib/xml";

// Lists even when a sender forgets type="array" (or sends an empty list without it).
const LIST_KEYS = new Set([
  "line_items",
  "tax_lines",
  "shipping_lines",
  "discount_codes",
  "discount_allocations",
  "discount_applications",
  "note_attributes",
  "payment_gateway_names",
  "refunds",
  "fulfillments",
  "properties",
  "refund_line_items",
  "refund_shipping_lines",
  "transactions",
  "order_adjustments",
  "duties",
]);
const OBJECT_KEYS = new Set(["customer", "billing_address", "shipping_address", "default_address", "client_details"]);

export function shopifyResourceFromXml(root: XmlElement, expectedRoot: "order" | "refund"): Record<string, unknown> {
  if (root.name !== expectedRoot) throw new XmlShapeError(`The root element must be <${expectedRoot}>, not <${root.name}>`);
  return xmlToObject(root, {
    key: (name) => name.replace(/-/g, "_"),
    isArray: (element, key) => element.attributes.type === "array" || LIST_KEYS.has(key),
    emptyIsNull: (key) => OBJECT_KEYS.has(key),
  });
}
