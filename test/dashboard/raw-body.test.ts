/** Raw bodies made readable without changing a character of what the store sent. */
import { describe, expect, it } from "vitest";
import { prettyJson, prettyXml, readableBody } from "../../src/dashboard/raw-body";

describe("raw bodies", () => {
  it("re-indents JSON token by token: ids above 2^53, money and strings with brackets stay as sent", () => {
    const body = '{"id":820982911946154508,"total":"12.50","note":"a {b} [c], \\"d\\": e","lines":[],"empty":{},"tax":[{"rate":0.21}]}';
    expect(prettyJson(body)).toBe(
      [
        "{",
        '  "id": 820982911946154508,',
        '  "total": "12.50",',
        '  "note": "a {b} [c], \\"d\\": e",',
        '  "lines": [],',
        '  "empty": {},',
        '  "tax": [',
        "    {",
        '      "rate": 0.21',
        "    }",
        "  ]",
        "}",
      ].join("\n"),
    );
    expect(JSON.parse(prettyJson(body))).toEqual(JSON.parse(body));
  });

  it("leaves text that is not JSON as it is", () => {
    expect(prettyJson('{"broken": ')).toBe('{"broken": ');
  });

  it("puts one-line XML one element a line, and leaves XML that has lines alone", () => {
    expect(prettyXml('<?xml version="1.0"?><order><number>0555</number><lines><line><sku>A&amp;B</sku></line></lines><note/></order>')).toBe(
      ['<?xml version="1.0"?>', "<order>", "  <number>0555</number>", "  <lines>", "    <line>", "      <sku>A&amp;B</sku>", "    </line>", "  </lines>", "  <note/>", "</order>"].join("\n"),
    );
    const indented = "<order>\n  <id>1</id>\n</order>";
    expect(prettyXml(indented)).toBe(indented);
  });

  it("reads a form body (PayPal's IPN) as its fields", () => {
    expect(readableBody("txn_id=61E67681CH3238416&mc_gross=19.95&item_name=Caf%C3%A9+%26+tea", "application/x-www-form-urlencoded; charset=UTF-8")).toEqual({
      kind: "form",
      fields: [
        ["txn_id", "61E67681CH3238416"],
        ["mc_gross", "19.95"],
        ["item_name", "Café & tea"],
      ],
    });
    expect(readableBody("plain", "text/plain")).toEqual({ kind: "text", text: "plain" });
    expect(readableBody('{"a":1}', "application/json; charset=utf-8")).toEqual({ kind: "json", text: '{\n  "a": 1\n}' });
  });
});
