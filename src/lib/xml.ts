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
  maxNestedTags: 64,
});

type OrderedNode = Record<string, unknown> & { ":@"?: Record<string, string> };

export function parseXml(text: string): XmlElement {
  // A DOCTYPE is the only way to declare entities; orders never need one.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) {
    throw new XmlError("xml_doctype_forbidden", "XML with a DOCTYPE or entity declarations is not accepted");
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new XmlError("malformed_xml", `XML is not well-formed at line ${line}, column ${col}: ${msg}`);
  }
  const nodes = parser.parse(text) as OrderedNode[];
  const elements = nodes.map(toElement).filter((node): node is XmlElement => node !== null);
  if (elements.length !== 1) throw new XmlError("malformed_xml", "XML must have exactly one root element");
  return elements[0];
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
