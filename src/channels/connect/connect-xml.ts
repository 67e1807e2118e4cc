/**
 * Connect's XML form: root <order>, the same field names as the JSON as elements. An array field
 * holds one child element per entry whatever the child's name; an empty element is an empty
 * string; values are text and never guessed as numbers, so "0555" stays "0555".
 */
import { type XmlElement } from "../../lib/xml";

const ARRAY_FIELDS = new Set(["lines", "shipping"]);
/** Object fields where an empty element means "none" rather than an empty string. */
const OBJECT_FIELDS = new Set(["customer", "billing_address", "shipping_address", "payment"]);

export class ConnectXmlError extends Error {
  override name = "ConnectXmlError";
}

export function connectOrderFromXml(root: XmlElement): Record<string, unknown> {
  if (root.name !== "order") throw new ConnectXmlError(`The root element must be <order>, not <${root.name}>`);
  return objectOf(root, "");
}

function objectOf(element: XmlElement, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const child of element.children) {
    const field = path ? `${path}.${child.name}` : child.name;
    if (Object.hasOwn(out, child.name)) throw new ConnectXmlError(`<${child.name}> appears twice in ${path ? `<${path}>` : "<order>"}`);
    out[child.name] = valueOf(child, field, path === "");
  }
  return out;
}

function valueOf(element: XmlElement, field: string, topLevel: boolean): unknown {
  if (element.attributes.nil === "true") return null;
  if (topLevel && ARRAY_FIELDS.has(element.name)) {
    return element.children.map((entry, index) => (entry.children.length ? objectOf(entry, `${field}.${index}`) : entry.text));
  }
  if (element.children.length) return objectOf(element, field);
  if (topLevel && OBJECT_FIELDS.has(element.name) && element.text === "") return null;
  return element.text;
}
