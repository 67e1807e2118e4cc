import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { paypalAdapter } from "../../src/channels/paypal";
import { paypalConfirmer } from "../../src/channels/paypal/paypal-confirm";
import { decodeIpn, parsePaymentDate } from "../../src/channels/paypal/paypal-ipn";
import { transactionDetailSchema } from "../../src/channels/paypal/paypal-payloads";
import { checkoutOrderVerdict, readTransaction, readWebhookEvent } from "../../src/channels/paypal/paypal-read";
import { paypalEndpoints } from "../../src/channels/paypal/paypal-settings";
import { readCertificate, readTransmission, signWebhook, verifyTransmission } from "../../src/channels/paypal/paypal-webhook-signature";
import type { ChannelConfig, InboundRequest, ParseVerdict } from "../../src/channels/types";
import { crc32 } from "../../src/lib/crc32";
import { utf8 } from "../../src/lib/encoding";
import { CertificateError, parseCertificate, type Certificate } from "../../src/lib/x509";
import { decodeOrder, encodeOrder } from "../../src/orders/order";
import { decodeRefund, encodeRefund } from "../../src/orders/refund";
import { checkTotals } from "../../src/orders/totals";
import { configurePayPal, paypalBaseUrl, paypalKeys, type FakePayPalKeys } from "../fakes/paypal-control";
import cases from "../fixtures/paypal/cases.json";
import expectedJson from "../fixtures/paypal/expected.json";
import { channelContract } from "./contract";

const FAKE = env.PAYPAL_FAKE_URL;
const files = import.meta.glob("../fixtures/paypal/**/*.{body,json}", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const fixture = (file: string) => files[`../fixtures/paypal/${file}`]!;
const records = JSON.parse(fixture("transactions/records.json")) as unknown[];
const expected = expectedJson as Record<string, { kind: string; code?: string; arrivals?: unknown[] }>;
const LIVE = { account_emails: ["shop@kaffeekontor.example"], receiver_id: "8XYZ4ABCDEF2G" };
const RECEIVED = Date.parse("2026-11-03T18:00:00Z");

/** A verdict as the expected file writes it: money as decimal strings, rejections by code. */
function comparable(verdict: ParseVerdict | { kind: string }): unknown {
  if (verdict.kind === "rejected") return { kind: "rejected", code: (verdict as Extract<ParseVerdict, { kind: "rejected" }>).rejection.code };
  if (verdict.kind !== "arrivals") return verdict.kind === "lookup" ? verdict : { kind: verdict.kind };
  const { arrivals } = verdict as Extract<ParseVerdict, { kind: "arrivals" }>;
  return {
    kind: "arrivals",
    arrivals: arrivals.map((arrival) => {
      if (arrival.type === "order") {
        expect(checkTotals(arrival.order), `${arrival.order.external_id} adds up`).toEqual([]);
        return { key: arrival.key, order: encodeOrder(arrival.order) };
      }
      return arrival.type === "refund" ? { key: arrival.key, refund: encodeRefund(arrival.refund) } : arrival;
    }),
  };
}

function verdictOf(entry: (typeof cases)[number]): unknown {
  const text = fixture(entry.file);
  if (entry.path === "ipn") {
    const request: InboundRequest = { headers: new Headers(), body: utf8.encode(text), mediaType: "application/x-www-form-urlencoded", receivedAt: RECEIVED };
    return paypalAdapter.parse(request, { id: "ch", type: "paypal", secrets: [], settings: LIVE });
  }
  if (entry.path === "webhook") {
    return entry.file.startsWith("orders/") ? checkoutOrderVerdict(JSON.parse(text), LIVE) : readWebhookEvent(JSON.parse(text), LIVE);
  }
  const reading = readTransaction(transactionDetailSchema.parse(records[entry.index!]), LIVE);
  return reading.kind === "arrival" ? { kind: "arrivals", arrivals: [reading.arrival] } : reading;
}

describe("reading PayPal deliveries and records", () => {
  it.each(cases.filter((entry) => expected[entry.name]))("$name ($path): $what", async (entry) => {
    expect(comparable((await verdictOf(entry)) as ParseVerdict)).toEqual(expected[entry.name]);
  });

  it("reads the windows-1252 and the UTF-8 IPN of one payment to the same order, under the same key", async () => {
    const [utf, cp1252] = await Promise.all(["ipn-cart-utf8", "ipn-cart-windows-1252"].map((name) => verdictOf(cases.find((entry) => entry.name === name)!)));
    expect(cp1252).toEqual(utf);
    expect(fixture("ipn/cart-windows-1252.body")).toContain("J%FCrgen");
  });

  it("meets on the transaction id: IPN, webhook and feed give one key per payment", async () => {
    const keyOf = async (name: string) => ((await verdictOf(cases.find((entry) => entry.name === name)!)) as Extract<ParseVerdict, { kind: "arrivals" }>).arrivals[0].key;
    expect(await keyOf("ipn-cart-utf8")).toBe(await keyOf("ts-a-t0006"));
    expect(await keyOf("webhook-checkout-order-completed")).toBe(await keyOf("ts-h-t0006"));
    expect(await keyOf("ipn-refund")).toBe(await keyOf("ts-d-t1107"));
    expect(await keyOf("webhook-payment-capture-refunded")).toBe(await keyOf("ts-i-t1107"));
  });

  it("takes a sandbox IPN on a sandbox channel, and Website Payments Standard only when asked to", async () => {
    const request = (text: string): InboundRequest => ({ headers: new Headers(), body: utf8.encode(text), mediaType: "application/x-www-form-urlencoded", receivedAt: RECEIVED });
    const channel = (settings: Record<string, unknown>): ChannelConfig => ({ id: "ch", type: "paypal", secrets: [], settings: { ...LIVE, ...settings } });
    expect((await paypalAdapter.parse(request(fixture("ipn/sandbox-cart.body")), channel({ environment: "sandbox" }))).kind).toBe("arrivals");
    const webAccept = fixture("ipn/express-checkout.body").replace("txn_type=express_checkout", "txn_type=web_accept");
    expect((await paypalAdapter.parse(request(webAccept), channel({}))).kind).toBe("ignored");
    expect((await paypalAdapter.parse(request(webAccept), channel({ include_standard_payments: true }))).kind).toBe("arrivals");
  });

  it("refuses IPNs to a channel that does not know its PayPal account", async () => {
    const verdict = await paypalAdapter.parse(
      { headers: new Headers(), body: utf8.encode(fixture("ipn/cart-utf8.body")), mediaType: "application/x-www-form-urlencoded", receivedAt: RECEIVED },
      { id: "ch", type: "paypal", secrets: [], settings: {} },
    );
    expect(verdict).toMatchObject({ kind: "rejected", rejection: { code: "wrong_receiver", message: expect.stringMatching(/account_emails/) } });
  });
});

describe("decoding an IPN body", () => {
  it.each([
    ["a byte above ASCII", new Uint8Array([0x61, 0x3d, 0xfc]), "invalid_encoding"],
    ["a broken percent escape", utf8.encode("txn_id=1&first_name=J%F"), "malformed_body"],
    ["a charset the inbox cannot read", utf8.encode("txn_id=1&charset=x-no-such-charset"), "invalid_encoding"],
    ["UTF-8 that is not UTF-8", utf8.encode("txn_id=1&charset=UTF-8&first_name=J%FCrgen"), "invalid_encoding"],
    ["an empty body", new Uint8Array(), "malformed_body"],
  ])("refuses %s", (_, body, code) => {
    expect(decodeIpn(body)).toMatchObject({ ok: false, rejection: { code } });
  });

  it.each([
    ["windows-1252 by default (the simulator names no charset)", "name=Fran%E7ois+%80+%9C", "François € œ"],
    ["UTF-8", "charset=UTF-8&name=Fran%C3%A7ois", "François"],
    ["KOI8-R through the platform's decoder", "charset=KOI8_R&name=%F0%D2%C9%D7%C5%D4", "Привет"],
    ["a plus as a space, %2B as a plus", "charset=UTF-8&name=a+b%2Bc", "a b+c"],
  ])("decodes %s", (_, body, name) => {
    expect(decodeIpn(utf8.encode(body))).toMatchObject({ ok: true, fields: { name } });
  });

  it.each([
    ["09:14:03 Nov 03, 2026 PST", "2026-11-03T17:14:03Z"],
    ["23:59:59 Jul 04, 2026 PDT", "2026-07-05T06:59:59Z"],
    ["Tue Nov 03 2026 09:14:03 GMT-0800", "2026-11-03T17:14:03Z"],
    ["yesterday", null],
  ])("reads payment_date %j as %j", (value, iso) => {
    expect(parsePaymentDate(value)).toBe(iso);
  });
});

describe("PayPal webhook signatures", () => {
  let keys: FakePayPalKeys;
  let certificate: Certificate;
  const body = utf8.encode(fixture("webhooks/checkout-order-completed.json"));
  const transmission = { transmissionId: "6f1c2a10-f9a1-11ef-9c1d-0b6a2e4c1d77", transmissionTime: "2026-11-05T14:21:03Z", webhookId: "3HX12345AB678901C" };
  const NOW = Date.now();
  const SANDBOX_CN = "messageverificationcerts.sandbox.paypal.com";
  const anyUrl = () => true;

  beforeAll(async () => {
    keys = await paypalKeys(FAKE);
    certificate = parseCertificate(derOf(keys.certPem));
  });
  const derOf = (pem: string) => Uint8Array.from(atob(pem.replace(/-----[^-]+-----|\s/g, "")), (char) => char.charCodeAt(0));

  const signed = async (key: string, bytes = body, webhookId = transmission.webhookId) => {
    const headers = await signWebhook(key, { ...transmission, webhookId, certUrl: "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-x", body: bytes });
    const read = readTransmission(new Headers(headers), anyUrl);
    if (!read.ok) throw new Error(read.rejection.message);
    return read.transmission;
  };

  it("computes the IEEE CRC-32 unsigned, as PayPal signs it", () => {
    expect(crc32(utf8.encode("123456789"))).toBe(0xcbf43926);
    expect(crc32(utf8.encode("123456789"))).toBeGreaterThan(2 ** 31);
    expect(crc32(new Uint8Array())).toBe(0);
  });

  it("reads the certificate's name, validity and key", () => {
    expect(certificate.commonName).toBe(SANDBOX_CN);
    expect(certificate.notBefore).toBeLessThan(NOW);
    expect(certificate.notAfter).toBeGreaterThan(NOW);
    expect(() => parseCertificate(utf8.encode("not a certificate"))).toThrow(CertificateError);
    expect(readCertificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")).toMatchObject({ code: "signature_malformed" });
  });

  it("accepts a delivery signed with the certificate's key", async () => {
    expect(await verifyTransmission(await signed(keys.privateKeyPem), transmission.webhookId, body, certificate, SANDBOX_CN, NOW)).toBeNull();
  });

  it.each([
    ["a tampered body", async () => ({ transmission: await signed(keys.privateKeyPem), body: Uint8Array.from(body, (byte, index) => (index === 40 ? byte ^ 1 : byte)) })],
    ["a re-serialised body (the same JSON, other bytes)", async () => ({ transmission: await signed(keys.privateKeyPem), body: utf8.encode(JSON.stringify(JSON.parse(fixture("webhooks/checkout-order-completed.json")), null, 1)) })],
    ["another webhook id", async () => ({ transmission: await signed(keys.privateKeyPem, body, "WEBHOOK_ID"), body })],
    ["a key the certificate does not hold", async () => ({ transmission: await signed(keys.rogueKeyPem), body })],
  ])("refuses %s as signature_mismatch", async (_, make) => {
    const { transmission: sent, body: bytes } = await make();
    expect(await verifyTransmission(sent, transmission.webhookId, bytes, certificate, SANDBOX_CN, NOW)).toMatchObject({ code: "signature_mismatch" });
  });

  it("refuses a certificate for another name, even when the signature matches it", async () => {
    const rogue = parseCertificate(derOf(keys.rogueCertPem));
    const sent = await signed(keys.rogueCertKeyPem);
    expect(await verifyTransmission(sent, transmission.webhookId, body, rogue, SANDBOX_CN, NOW)).toMatchObject({ code: "signature_mismatch", message: expect.stringMatching(/evil\.example\.com/) });
  });

  it("refuses a certificate outside its validity", async () => {
    const sent = await signed(keys.privateKeyPem);
    expect(await verifyTransmission(sent, transmission.webhookId, body, certificate, SANDBOX_CN, certificate.notAfter + 1000)).toMatchObject({ code: "signature_expired" });
  });

  it.each([
    ["https://api.paypal.com/v1/notifications/certs/CERT-360caa42", true],
    ["https://api-m.paypal.com/v1/notifications/certs/CERT-360caa42", true],
    ["http://api.paypal.com/v1/notifications/certs/CERT-360caa42", false],
    ["https://api.paypal.com.evil.example/v1/notifications/certs/CERT-1", false],
    ["https://evil.example/v1/notifications/certs/CERT-1", false],
    ["https://api.paypal.com:8443/v1/notifications/certs/CERT-1", false],
    ["https://api.paypal.com/v1/notifications/certs/../../../oauth2/token", false],
    ["https://user@api.paypal.com/v1/notifications/certs/CERT-1", false],
    ["https://api.sandbox.paypal.com/v1/notifications/certs/CERT-1", false],
    ["https://api.paypal.com/v1/other/CERT-1", false],
  ])("a live channel fetches certificates from %s: %s", (url, allowed) => {
    expect(paypalEndpoints({}).certUrlAllowed(url)).toBe(allowed);
  });

  it("refuses at once a delivery whose transmission headers are missing or point elsewhere", async () => {
    const channel: ChannelConfig = { id: "ch", type: "paypal", secrets: [], settings: {} };
    const request = (headers: Record<string, string>): InboundRequest => ({ headers: new Headers(headers), body, mediaType: "application/json", receivedAt: NOW });
    expect(await paypalAdapter.verify(request({}), channel)).toMatchObject({ ok: false, rejection: { code: "signature_missing" } });
    const elsewhere = await signWebhook(keys.privateKeyPem, { ...transmission, certUrl: "https://evil.example/v1/notifications/certs/C", body });
    expect(await paypalAdapter.verify(request(elsewhere), channel)).toMatchObject({ ok: false, rejection: { code: "signature_malformed" } });
    const ok = await signWebhook(keys.privateKeyPem, { ...transmission, certUrl: "https://api.paypal.com/v1/notifications/certs/C", body });
    expect(await paypalAdapter.verify(request(ok), channel)).toEqual({ ok: "deferred" });
  });
});

// The contract: webhook deliveries, verified through the confirmation against the fake's certificate.
const CONTRACT_ACCOUNT = "pp-contract";
const contractSettings = { environment: "sandbox", webhook_id: "3HX12345AB678901C", api_url: paypalBaseUrl(FAKE, CONTRACT_ACCOUNT), ...LIVE };
let contractKeys: FakePayPalKeys | null = null;
const keysOnce = async () => {
  if (!contractKeys) {
    contractKeys = await paypalKeys(FAKE);
    await configurePayPal(FAKE, CONTRACT_ACCOUNT, { clientId: "contract-client", clientSecret: "contract-secret" });
  }
  return contractKeys;
};
/** An expected arrival in the inbox's internal form (minor units), as the contract compares it. */
function internal(arrival: { order?: unknown; refund?: unknown }) {
  const decoded = arrival.order ? decodeOrder(arrival.order) : decodeRefund(arrival.refund);
  if (!decoded.ok) throw new Error(JSON.stringify(decoded.issues));
  return "order" in decoded ? decoded.order : decoded.refund;
}
const webhookCases = cases.filter((entry) => entry.path === "webhook" && entry.file.startsWith("webhooks/") && expected[entry.name].kind !== "lookup");

channelContract({
  adapter: paypalAdapter,
  settings: contractSettings,
  fixtures: webhookCases.map((entry) => {
    const [arrival] = (expected[entry.name].arrivals ?? []) as Array<{ order?: unknown; refund?: unknown }>;
    // The contract's channel is a sandbox one (the fake's certificate is PayPal's sandbox name), so its orders are test orders.
    const want = arrival ? internal(arrival) : null;
    return { name: entry.name, mediaType: "application/json", body: fixture(entry.file), expected: want && "financial_status" in want ? { ...want, test: true } : want };
  }),
  sign: async (body, secret) => {
    const keys = await keysOnce();
    // The channel's secrets stand for "PayPal's key"; any other secret signs with a key PayPal does not hold.
    const key = secret.endsWith("for-the-contract-suite") ? keys.privateKeyPem : keys.rogueKeyPem;
    return signWebhook(key, {
      transmissionId: crypto.randomUUID(),
      transmissionTime: new Date().toISOString(),
      webhookId: contractSettings.webhook_id,
      certUrl: `${contractSettings.api_url}${keys.certPath}`,
      body,
    });
  },
  confirm: async (request, channel) => {
    const verdict = await paypalConfirmer.confirm(request, channel, { credentials: {}, fetch: (input, init) => fetch(input, init), now: Date.now() });
    return verdict.kind === "rejected" ? { ok: false, rejection: verdict.rejection } : { ok: true, secretId: null };
  },
});

// ---- Issue 21: what PayPal's documentation says, where the first reading had it wrong ------------------------------

const ISSUE_21 = JSON.parse(fixture("transactions/issue-21-records.json")) as unknown[];
const issueRecord = (index: number) => transactionDetailSchema.parse(ISSUE_21[index]);
const ipnRequest = (text: string): InboundRequest => ({ headers: new Headers(), body: utf8.encode(text), mediaType: "application/x-www-form-urlencoded", receivedAt: RECEIVED });
const liveChannel = (settings: Record<string, unknown> = {}): ChannelConfig => ({ id: "ch", type: "paypal", secrets: [], settings: { ...LIVE, ...settings } });
const arrivalsOf = (verdict: ParseVerdict) => {
  if (verdict.kind !== "arrivals") throw new Error(`expected arrivals, got ${JSON.stringify(verdict)}`);
  return verdict.arrivals;
};
const orderOf = (verdict: ParseVerdict) => {
  const [arrival] = arrivalsOf(verdict);
  if (arrival.type !== "order") throw new Error(`expected an order, got ${arrival.type}`);
  return encodeOrder(arrival.order);
};

describe("issue 21: Website Payments Standard carts from the feed (1)", () => {
  it("makes orders of T0007 cart rows (two items, or the shop's invoice on one item) without include_standard_payments", () => {
    for (const index of [0, 2]) {
      const reading = readTransaction(issueRecord(index), LIVE);
      expect(reading.kind, `record ${index}`).toBe("arrival");
      if (reading.kind !== "arrival" || reading.arrival.type !== "order") continue;
      expect(checkTotals(reading.arrival.order)).toEqual([]);
    }
    const cart = readTransaction(issueRecord(0), LIVE);
    expect(cart).toMatchObject({ kind: "arrival", arrival: { key: "payment:6SC20418NW7730265:completed", order: { number: "KK-2026-10525", financial_status: "paid" } } });
  });

  it("keeps a single Buy Now payment (one item, no invoice, no custom) behind include_standard_payments", () => {
    expect(readTransaction(issueRecord(1), LIVE)).toEqual({ kind: "skipped" });
    expect(readTransaction(issueRecord(1), { ...LIVE, include_standard_payments: true })).toMatchObject({ kind: "arrival" });
  });
});

describe("issue 21: captures refunded before they are read (2)", () => {
  const order = () => JSON.parse(fixture("orders/5PR13806XM2264917.json"));

  it("makes the order of a PARTIALLY_REFUNDED capture, with the refund the order carries under its own key", () => {
    const arrivals = arrivalsOf(checkoutOrderVerdict(order(), LIVE, "2KB58317RF0094462"));
    expect(arrivals.map((arrival) => [arrival.type, arrival.key])).toEqual([
      ["order", "payment:2KB58317RF0094462:completed"],
      ["refund", "refund:9RF20754DH3318640"],
    ]);
    const [placed, refund] = arrivals;
    expect(placed.type === "order" && encodeOrder(placed.order)).toMatchObject({ financial_status: "partially_refunded", totals: { total: "143.86" } });
    expect(refund.type === "refund" && encodeRefund(refund.refund)).toMatchObject({ order_external_id: "2KB58317RF0094462", amount: "22.00", currency: "EUR" });
  });

  it("makes the order of a REFUNDED capture too, and still ignores one that was never paid", () => {
    const refunded = order();
    refunded.purchase_units[0].payments.captures[0].status = "REFUNDED";
    expect(orderOf(checkoutOrderVerdict(refunded, LIVE))).toMatchObject({ financial_status: "refunded" });
    const declined = order();
    declined.purchase_units[0].payments.captures[0].status = "DECLINED";
    expect(checkoutOrderVerdict(declined, LIVE).kind).toBe("ignored");
  });

  it("reads a feed payment that is partially refunded (status F) as an order", () => {
    expect(readTransaction(issueRecord(5), LIVE)).toMatchObject({ kind: "arrival", arrival: { order: { financial_status: "partially_refunded" } } });
  });
});

describe("issue 21: mc_gross_x that add up to mc_gross (3)", () => {
  it("takes each item's own shipping out of its mc_gross_x, so shipping is counted once", async () => {
    const plain = orderOf(await paypalAdapter.parse(ipnRequest(fixture("ipn/cart-utf8.body")), liveChannel()));
    const inside = orderOf(await paypalAdapter.parse(ipnRequest(fixture("ipn/cart-gross-includes-shipping.body")), liveChannel()));
    expect(inside.lines.map((line) => line.total)).toEqual(["29.90", "22.40"]);
    expect(inside.lines).toEqual(plain.lines);
    expect(inside.totals).toEqual(plain.totals);
  });

  it("takes cart-level charges no item lists out of the lines by value, and the order adds up", async () => {
    const verdict = await paypalAdapter.parse(ipnRequest(fixture("ipn/cart-gross-includes-charges-unlisted.body")), liveChannel());
    const [arrival] = arrivalsOf(verdict);
    if (arrival.type !== "order") throw new Error("expected an order");
    expect(checkTotals(arrival.order)).toEqual([]);
    const order = encodeOrder(arrival.order);
    expect(order.totals).toMatchObject({ subtotal: "52.30", shipping: "4.90", total: "57.20" });
    expect(order.shipping).toEqual([{ name: "DHL Paket", price: "4.90" }]);
  });
});

describe("issue 21: won disputes (4)", () => {
  it("reads a Canceled_Reversal IPN as the return of the reversed money, keyed by its own id and naming the payment", async () => {
    const verdict = await paypalAdapter.parse(ipnRequest(fixture("ipn/canceled-reversal.body")), liveChannel());
    expect(arrivalsOf(verdict)).toEqual([
      {
        type: "reinstatement",
        key: "reinstated:2WR71460KD5538190",
        reinstatement: expect.objectContaining({ external_id: "2WR71460KD5538190", parent_external_id: "9DH27460MB1185302", currency: "EUR", amount: 19490 }),
      },
    ]);
  });

  it("reads the feed's T1202 chargeback reversal as the same won dispute", async () => {
    const reading = readTransaction(issueRecord(3), LIVE);
    const ipn = arrivalsOf(await paypalAdapter.parse(ipnRequest(fixture("ipn/canceled-reversal.body")), liveChannel()))[0];
    expect(reading).toMatchObject({ kind: "arrival", arrival: { type: "reinstatement", key: ipn.key, reinstatement: { parent_external_id: "9DH27460MB1185302", amount: 19490 } } });
  });
});

describe("issue 21: IPNs PayPal sends that the first reading refused (5)", () => {
  it("decodes a UTF-7 IPN to the same order as its UTF-8 twin", async () => {
    const utf7 = orderOf(await paypalAdapter.parse(ipnRequest(fixture("ipn/cart-utf-7.body")), liveChannel()));
    const utf8Order = orderOf(await paypalAdapter.parse(ipnRequest(fixture("ipn/cart-utf8.body")), liveChannel()));
    expect(utf7.customer).toEqual(utf8Order.customer);
    expect(utf7.shipping_address).toEqual(utf8Order.shipping_address);
    expect(utf7.lines).toEqual(utf8Order.lines);
  });

  it.each([
    ["UTF-7 with a plus and a non-BMP character", "charset=UTF-7&name=a%2B-b+%2BANc+%2BJKw+%2B2DXcAQ-", "a+b × ⒬ 𝐁"],
    ["ISO-2022-JP through the platform's decoder", "charset=ISO-2022-JP&name=%1B%24BF%7CK%5C%1B%28B", "日本"],
  ])("decodes %s", (_, body, name) => {
    expect(decodeIpn(utf8.encode(body))).toMatchObject({ ok: true, fields: { name } });
  });

  it("answers 200 (deferred) for an IPN in a charset no decoder here reads, instead of a 400 PayPal resends forever", async () => {
    const request = ipnRequest(fixture("ipn/cart-x-mac-greek.body"));
    expect(await paypalAdapter.verify(request, liveChannel())).toEqual({ ok: "deferred" });
    expect(await paypalAdapter.verify(ipnRequest("charset=UTF-7&hello=%2BZeVnLIqe-"), liveChannel())).toMatchObject({ ok: false, rejection: { code: "malformed_body" } });
  });

  it("accepts an IPN paid to a secondary address of the account: receiver_email is always the primary", async () => {
    const secondaryOnly = liveChannel({ account_emails: ["verkauf@kaffeekontor.example"], receiver_id: undefined });
    expect((await paypalAdapter.parse(ipnRequest(fixture("ipn/cart-secondary-address.body")), secondaryOnly)).kind).toBe("arrivals");
    expect((await paypalAdapter.parse(ipnRequest(fixture("ipn/wrong-receiver.body")), secondaryOnly)).kind).toBe("rejected");
  });
});

describe("issue 21: noise (7)", () => {
  it("skips the merchant's own purchase (a T0006 debit) instead of reading it as a sale", () => {
    expect(readTransaction(issueRecord(4), LIVE)).toEqual({ kind: "skipped" });
  });

  it("does not ask merchants to subscribe to CHECKOUT.ORDER.COMPLETED (marketplaces and platforms only)", () => {
    expect(JSON.stringify(paypalAdapter.setup)).not.toContain("CHECKOUT.ORDER.COMPLETED");
    expect(JSON.stringify(paypalAdapter.setup)).toContain("PAYMENT.CAPTURE.COMPLETED");
  });
});

describe("real PayPal payloads from public material (fixtures/paypal/real)", () => {
  const simulator = liveChannel({ environment: "sandbox", account_emails: ["seller@paypalsandbox.com"], receiver_id: undefined });

  it("the IPN simulator's cart, whose mc_gross1 holds the cart's shipping, handling and tax: one line of goods, charges once", async () => {
    const verdict = await paypalAdapter.parse(ipnRequest(fixture("real/simulator-cart.body")), simulator);
    const [arrival] = arrivalsOf(verdict);
    if (arrival.type !== "order") throw new Error("expected an order");
    expect(checkTotals(arrival.order)).toEqual([]);
    const order = encodeOrder(arrival.order);
    expect(order.lines.map((line) => [line.sku, line.quantity, line.total])).toEqual([["AK-1234", 1, "5.24"]]);
    expect(order.totals).toMatchObject({ subtotal: "5.24", shipping: "5.08", tax: "2.02", total: "12.34" });
  });

  it("the IPN simulator's Canceled_Reversal: a won dispute naming its payment", async () => {
    const verdict = await paypalAdapter.parse(ipnRequest(fixture("real/simulator-canceled-reversal.body")), simulator);
    expect(arrivalsOf(verdict)).toEqual([
      { type: "reinstatement", key: "reinstated:694541630", reinstatement: expect.objectContaining({ parent_external_id: "SOMEPRIORTXNID003", currency: "USD", amount: 1234 }) },
    ]);
  });

  it("a sandbox Canceled_Reversal without parent_txn_id (eiffel-loop's test set) is acknowledged, with nothing to undo", async () => {
    const channel = liveChannel({ environment: "sandbox", account_emails: ["finnian-facilitator@eiffel-loop.com"], receiver_id: "WJA4MQCSCZHXJ" });
    const verdict = await paypalAdapter.parse(ipnRequest(fixture("real/eiffel-loop-canceled-reversal.body")), channel);
    expect(verdict).toMatchObject({ kind: "ignored", reason: expect.stringMatching(/no parent_txn_id/) });
  });
});
