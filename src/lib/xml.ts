/**
 * Safe XML reading for store payloads: no DOCTYPE (so no entity expansion and no external
 * entities), a well-formedness check with a line number, and a plain element tree that keeps
 * every value as text and keeps the order of repeated elements.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text content (trimmed); "" for an empty element. */
  text: string;
}

export class XmlError extends Error {
  override name = "XmlError";
  constructor(
    readonly code: "malformed_xml" | "xml_doctype_forbidden",
    message: string,
  ) {
    super(message);
  }
}

/** How deep elements may nest: an order is a handful of levels deep; deeper is refused as malformed_xml. */
export const MAX_DEPTH = 64;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  // Values stay text: "0555" and "01234" are order numbers and postcodes, not numbers.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  // Decodes numeric character references (&#233;); named entities beyond XML's five come along.
  htmlEntities: true,
  maxNestedTags: MAX_DEPTH,
});

type OrderedNode = Record<string, unknown> & { ":@"?: Record<string, string> };

export function parseXml(text: string): XmlElement {
  // A DOCTYPE is the only way to declare entities; orders never need one.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) {
    throw new XmlError("xml_doctype_forbidden", "XML with a DOCTYPE or entity declarations is not accepted");
  }
  const valid = validate(text);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new XmlError("malformed_xml", `XML is not well-formed at line ${line}, column ${col}: ${msg}`);
  }
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(text) as OrderedNode[];
  } catch (error) {
    // The parser refuses what the validator let through: nesting deeper than MAX_DEPTH, entity
    // tricks. Whatever it is, the bytes are the problem, so the store gets a 400, not a 5xx.
    throw new XmlError("malformed_xml", `XML could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const elements = nodes.map(toElement).filter((node): node is XmlElement => node !== null);
  if (elements.length !== 1) throw new XmlError("malformed_xml", "XML must have exactly one root element");
  return elements[0];
}

function validate(text: string): ReturnType<typeof XMLValidator.validate> {
  try {
    return XMLValidator.validate(text);
  } catch (error) {
    throw new XmlError("malformed_xml", `XML could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function toElement(node: OrderedNode): XmlElement | null {
  const name = Object.keys(node).find((key) => key !== ":@");
  if (!name || name === "#text" || name.startsWith("?") || name === "#comment") return null;
  const content = (node[name] as OrderedNode[]) ?? [];
  const children: XmlElement[] = [];
  let text = "";
  for (const child of content) {
    if ("#text" in child) text += String(child["#text"]);
    else {
      const element = toElement(child);
      if (element) children.push(element);
    }
  }
  return { name, attributes: node[":@"] ?? {}, children, text: text.trim() };
}

export interface XmlMapping {
  /** The object key an element becomes (Rails dasherises: line-items → line_items). */
  key?: (elementName: string) => string;
  /** Whether an element holds a list: one entry per child element, whatever the children are called. */
  isArray: (element: XmlElement, key: string, depth: number) => boolean;
  /** Whether an empty element means null rather than an empty string. */
  emptyIsNull?: (key: string, depth: number) => boolean;
}

export class XmlShapeError extends Error {
  override name = "XmlShapeError";
}

/**
 * Turns an element's children into a plain object of strings, lists and objects. Values are never
 * guessed as numbers or booleans: the schema that reads the object decides by field name.
 * `nil="true"` (Rails) is null.
 */
export function xmlToObject(element: XmlElement, mapping: XmlMapping, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const child of element.children) {
    const key = mapping.key ? mapping.key(child.name) : child.name;
    if (Object.hasOwn(out, key)) throw new XmlShapeError(`<${child.name}> appears twice in <${element.name}>`);
    out[key] = xmlToValue(child, key, mapping, depth + 1);
  }
  return out;
}

function xmlToValue(element: XmlElement, key: string, mapping: XmlMapping, depth: number): unknown {
  if (element.attributes.nil === "true") return null;
  if (mapping.isArray(element, key, depth)) {
    return element.children.map((entry) =>
      entry.attributes.nil === "true" ? null : entry.children.length ? xmlToObject(entry, mapping, depth + 1) : entry.text,
    );
  }
  if (element.children.length) return xmlToObject(element, mapping, depth);
  if (element.text === "" && mapping.emptyIsNull?.(key, depth)) return null;
  return element.text;
}
