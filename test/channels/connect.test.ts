import { describe, expect, it } from "vitest";
import { connectAdapter } from "../../src/channels/connect";
import { signConnect } from "../../src/channels/connect/connect-signature";
import type { ChannelConfig, InboundRequest } from "../../src/channels/types";
import { utf8 } from "../../src/lib/encoding";
import type { Order } from "../../src/orders/order";
import bhdXml from "../fixtures/connect/bhd-fractional.xml?raw";
import jpyExpected from "../fixtures/connect/jpy-tax-included.expected.json";
import jpyJson from "../fixtures/connect/jpy-tax-included.json?raw";
import minimalJson from "../fixtures/connect/minimal.json?raw";
import simpleExpected from "../fixtures/connect/simple-eur.expected.json";
import simpleJson from "../fixtures/connect/simple-eur.json?raw";
import simpleXml from "../fixtures/connect/simple-eur.xml?raw";
import { channelContract } from "./contract";
import { keyOf, orderOf } from "./verdicts";

const bhdExpected: Partial<Order> = {
  external_id: "00981",
  number: "0555",
  placed_at: "2026-11-26T14:30:00+03:00",
  currency: "BHD",
  financial_status: "pending",
  customer: { name: "Fatima Al-Khalifa", email: "" },
  billing_address: null,
  lines: [{ sku: "007", name: "Saffron, loose (kg)", quantity: 1.5, unit_price: 2345, tax_rate: "10", tax: 352, total: 3518 }],
  shipping: [],
  totals: { subtotal: 3518, shipping: 0, tax: 352, total: 3870 },
  prices_include_tax: false,
  note: "",
  test: false,
};

const minimalExpected: Partial<Order> = {
  external_id: "pos-7781",
  placed_at: "2026-11-28T08:00:00Z",
  currency: "USD",
  financial_status: "pending",
  lines: [{ name: "Gift card", quantity: 1, unit_price: 2500, total: 2500 }],
  shipping: [],
  totals: { subtotal: 2500, shipping: 0, tax: 0, total: 2500 },
  prices_include_tax: false,
  test: false,
};

channelContract({
  adapter: connectAdapter,
  fixtures: [
    { name: "EUR order with VAT, discount and taxed shipping (JSON)", mediaType: "application/json", body: simpleJson, expected: simpleExpected as Partial<Order> },
    { name: "the same order as XML", mediaType: "application/xml", body: simpleXml, expected: simpleExpected as Partial<Order> },
    { name: "JPY order with taxes included", mediaType: "application/json", body: jpyJson, expected: jpyExpected as Partial<Order> },
    { name: "BHD order with a fractional quantity (text/xml)", mediaType: "text/xml", body: bhdXml, expected: bhdExpected },
    { name: "minimal order without customer or shipping", mediaType: "application/json", body: minimalJson, expected: minimalExpected },
  ],
  sign: async (body, secret, atMs) => ({ "x-inbox-signature": await signConnect(body, secret, Math.floor(atMs / 1000)) }),
  staleAfterMs: 300_000,
});

const NOW = Date.parse("2026-11-28T12:00:00Z");
const channel: ChannelConfig = { id: "ch_1", type: "connect", secrets: [{ id: "sec_1", secret: "s3cret-s3cret-s3cret" }], settings: {} };

async function parse(body: string, mediaType = "application/json") {
  const bytes = utf8.encode(body);
  const request: InboundRequest = { headers: new Headers(), body: bytes, mediaType, receivedAt: NOW };
  return connectAdapter.parse(request, channel);
}

describe("Connect signature header", () => {
  const body = utf8.encode(simpleJson);
  const verify = (header: string | null) =>
    connectAdapter.verify({ headers: new Headers(header ? { "x-inbox-signature": header } : {}), body, mediaType: "application/json", receivedAt: NOW }, channel);

  it("accepts several v1 values when one of them matches", async () => {
    const good = await signConnect(body, channel.secrets[0].secret, NOW / 1000);
    const [t, v1] = good.split(",");
    expect(await verify(`${t},v1=${"0".repeat(64)},${v1}`)).toEqual({ ok: true, secretId: "sec_1" });
  });

  it.each([
    ["no timestamp", `v1=${"a".repeat(64)}`],
    ["no v1", `t=${NOW / 1000}`],
    ["a short v1", `t=${NOW / 1000},v1=abcd`],
    ["a non-hex v1", `t=${NOW / 1000},v1=${"z".repeat(64)}`],
    ["a non-numeric timestamp", `t=yesterday,v1=${"a".repeat(64)}`],
  ])("calls a header with %s malformed", async (_, header) => {
    expect(await verify(header)).toMatchObject({ ok: false, rejection: { code: "signature_malformed" } });
  });

  it("binds the timestamp into the MAC: a signature moved to another timestamp fails", async () => {
    const good = await signConnect(body, channel.secrets[0].secret, NOW / 1000);
    const moved = good.replace(`t=${NOW / 1000}`, `t=${NOW / 1000 - 10}`);
    expect(await verify(moved)).toMatchObject({ ok: false, rejection: { code: "signature_mismatch" } });
  });
});

describe("Connect parsing", () => {
  it("gives the same key for the same order sent as JSON and as XML, so the second is a duplicate", async () => {
    const fromJson = await parse(simpleJson);
    const fromXml = await parse(simpleXml, "application/xml");
    expect(keyOf(fromXml)).toBe(keyOf(fromJson));
  });

  it("gives a different key when anything in the order changes", async () => {
    const changed = simpleJson.replace('"note": "Please', '"note": "Kindly');
    const [a, b] = await Promise.all([parse(simpleJson), parse(changed)]);
    expect(keyOf(a)).not.toBe(keyOf(b));
  });

  it.each([
    ["external_id", { external_id: 1234567890123456789 }, "external_id: must be a string"],
    ["external_id", { external_id: undefined }, "external_id: is required"],
    ["placed_at", { placed_at: "27.11.2026" }, "placed_at: must be an ISO 8601 date-time"],
    ["currency", { currency: "EURO" }, "currency: must be an ISO 4217 currency code"],
    ["lines.0.unit_price", { lines: [{ name: "x", quantity: 1, unit_price: 12.5, total: "12.50" }] }, 'lines.0.unit_price: must be a decimal string like "12.50"'],
    ["lines.0.total", { lines: [{ name: "x", quantity: 1, unit_price: "12.50", total: "12.505" }] }, "lines.0.total: \"12.505\" has more decimals than USD allows (2)"],
    ["lines.0.quantity", { lines: [{ name: "x", quantity: -1, unit_price: "1", total: "1" }] }, "lines.0.quantity:"],
    ["financial_status", { financial_status: "settled" }, "financial_status:"],
  ])("names the field %s when it is wrong", async (_, override, message) => {
    const body = JSON.stringify({ ...JSON.parse(minimalJson), ...override });
    const verdict = await parse(body);
    expect(verdict.kind).toBe("rejected");
    if (verdict.kind === "rejected") {
      expect(verdict.rejection.code).toBe("validation_failed");
      expect(verdict.rejection.message).toContain(message);
    }
  });

  it.each([
    ["Latvia", "LV"],
    [" india ", "IN"],
    ["lv", "LV"],
    ["Narnia", "Narnia"],
  ])("takes an order whose country is written %j, reading it as %j: an address is never a reason to refuse", async (country, stored) => {
    const body = JSON.stringify({ ...JSON.parse(minimalJson), billing_address: { country } });
    const verdict = await parse(body);
    expect(verdict.kind).toBe("arrivals");
    if (verdict.kind === "arrivals") expect(verdict.arrivals[0]).toMatchObject({ order: { billing_address: { country: stored } } });
  });

  it("refuses JSON that does not parse, and a body that is not UTF-8", async () => {
    expect(await parse('{"external_id": "1",')).toMatchObject({ kind: "rejected", rejection: { code: "malformed_body" } });
    const latin1 = new Uint8Array([0x7b, 0x22, 0xe9, 0x22, 0x7d]);
    const verdict = await connectAdapter.parse({ headers: new Headers(), body: latin1, mediaType: "application/json", receivedAt: NOW }, channel);
    expect(verdict).toMatchObject({ kind: "rejected", rejection: { code: "invalid_encoding" } });
  });
});

describe("Connect XML", () => {
  const xml = (inner: string) => `<?xml version="1.0"?><order>${inner}</order>`;
  const minimalXml = (extra = "") =>
    xml(
      `<external_id>0042</external_id><number>0555</number><placed_at>2026-11-28T08:00:00Z</placed_at><currency>EUR</currency>` +
        `<lines><line><sku>00123</sku><name>Thing</name><quantity>1</quantity><unit_price>1e5</unit_price><total>1e5</total></line></lines>` +
        `<totals><subtotal>1</subtotal><shipping>0</shipping><tax>0</tax><total>1</total></totals>${extra}`,
    );

  it("keeps values as text: leading zeros survive and nothing is read as a number", async () => {
    const verdict = await parse(minimalXml().replace(/1e5/g, "1.00"), "application/xml");
    const order = orderOf(verdict);
    expect(order.external_id).toBe("0042");
    expect(order.number).toBe("0555");
    expect(order.lines[0].sku).toBe("00123");
  });

  it("does not read 1e5 as a hundred thousand: an amount must be a decimal", async () => {
    const verdict = await parse(minimalXml(), "application/xml");
    expect(verdict).toMatchObject({ kind: "rejected", rejection: { code: "validation_failed" } });
  });

  it.each([
    ["a DOCTYPE", `<?xml version="1.0"?><!DOCTYPE order [<!ENTITY x "boom">]><order><note>&x;</note></order>`],
    ["an entity declaration (billion laughs)", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><order>&lol2;</order>`],
    ["an external entity", `<?xml version="1.0"?><!DOCTYPE order [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><order>&xxe;</order>`],
    ["a lower-case doctype", `<?xml version="1.0"?><!doctype order><order/>`],
  ])("rejects XML with %s instead of expanding it", async (_, body) => {
    expect(await parse(body, "application/xml")).toMatchObject({ kind: "rejected", rejection: { code: "xml_doctype_forbidden" } });
  });

  it.each([
    ["an unclosed element", xml("<number>1</order>")],
    ["a root other than <order>", `<invoice><number>1</number></invoice>`],
    ["a field given twice", xml("<number>1</number><number>2</number>")],
    ["two root elements", `<order/><order/>`],
  ])("calls %s malformed XML", async (_, body) => {
    expect(await parse(body, "application/xml")).toMatchObject({ kind: "rejected", rejection: { code: "malformed_xml" } });
  });

  it("decodes character references and keeps an empty element as an empty string", async () => {
    const verdict = await parse(minimalXml("<note>caf&#233; &amp; t&#x113;ja</note><customer><name>A</name><phone/></customer>").replace(/1e5/g, "1"), "application/xml");
    const order = orderOf(verdict);
    expect(order.note).toBe("café & tēja");
    expect(order.customer?.phone).toBe("");
  });
});
