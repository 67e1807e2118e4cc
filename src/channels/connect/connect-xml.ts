/**
 * Connect's XML form: root <order>, the same field names as the JSON as elements. An array field
 * holds one child element per entry whatever the child's name; an empty element is an empty
 * string; values are text and never guessed as numbers, so "0555" stays "0555".
 */
import { XmlShapeError, xmlToObject, type XmlElement } from "../../lib/xml";

const ARRAY_FIELDS = new Set(["lines", "shipping"]);
/** Object fields where an empty element means "none" rather than an empty string. */
const OBJECT_FIELDS = new Set(["customer", "billing_address", "shipping_address", "payment"]);

export function connectOrderFromXml(root: XmlElement): Record<string, unknown> {
  if (root.name !== "order") throw new XmlShapeError(`The root element must be <order>, not <${root.name}>`);
  return xmlToObject(root, {
    isArray: (_element, key, depth) => depth === 1 && ARRAY_FIELDS.has(key),
    emptyIsNull: (key, depth) => depth === 1 && OBJECT_FIELDS.has(key),
  });
}
