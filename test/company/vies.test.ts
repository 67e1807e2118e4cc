/** VIES checks of reverse-charge buyers: asked from the queue through the injected fetch, stored, shown on the document. */
import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { vatCheckOf } from "../../src/company/tax-code-store";
import { checkVatNumber } from "../../src/company/vies";
import { handleQueue, ORDER_QUEUE_NAME } from "../../src/jobs/consumer";
import { fakeVies, VIES_FAKE_URL } from "../fakes/vies-fake";
import frBusiness from "../fixtures/vat/fr-business.json";
import msUnavailable from "../fixtures/vat/vies-ms-unavailable.json";
import valid from "../fixtures/vat/vies-valid.json";
import { api, createChannel, json, postOrder } from "../helpers";
import { buildServices } from "../../src/context";
import { readConfig } from "../../src/env";
import { processOrderByHand } from "../../src/documents/from-order";
import type { OrderMessage } from "../../src/queue/messages";

const CHECKED_AT = Date.parse("2026-11-27T10:01:02Z");
const io = (fetch: typeof globalThis.fetch) => ({ fetch, url: VIES_FAKE_URL, now: () => CHECKED_AT });

describe("asking VIES about a buyer's VAT number", () => {
  it("stores a valid answer with the name and address VIES gives, asked the way VIES documents", async () => {
    const vies = fakeVies({ FR40303265045: valid });
    const check = await checkVatNumber(env.DB, "FR40303265045", io(vies.fetch));
    expect(vies.requests).toEqual([
      { method: "POST", url: `${VIES_FAKE_URL}/check-vat-number`, contentType: "application/json", body: { countryCode: "FR", vatNumber: "40303265045" } },
    ]);
    expect(check).toEqual({ vat_number: "FR40303265045", result: "valid", name: "SA EXEMPLE", address: "12 RUE DE RIVOLI\n75001 PARIS", request_id: null, checked_at: CHECKED_AT });
    expect(await vatCheckOf(env.DB, "FR40303265045")).toEqual(check);
  });

  it("stores invalid for a number VIES does not know, without the '---' it prints for undisclosed fields", async () => {
    const vies = fakeVies({});
    expect(await checkVatNumber(env.DB, "DE999999999", io(vies.fetch))).toMatchObject({ result: "invalid", name: null, address: null });
  });

  it("stores unavailable when VIES or the network is down, and never lets an outage overwrite an answer", async () => {
    const vies = fakeVies({ FR40303265045: valid });
    vies.down("network");
    expect((await checkVatNumber(env.DB, "IT00743110157", io(vies.fetch))).result).toBe("unavailable");
    vies.down({ status: 200, body: msUnavailable });
    expect((await checkVatNumber(env.DB, "FR40303265045", io(vies.fetch))).result).toBe("unavailable");
    vies.down({ status: 503, body: msUnavailable });
    await checkVatNumber(env.DB, "FR40303265045", io(vies.fetch));
    expect((await vatCheckOf(env.DB, "FR40303265045"))?.result).toBe("valid");
    expect((await vatCheckOf(env.DB, "IT00743110157"))?.result).toBe("unavailable");
  });

  it("is a thin step of the queue consumer, at the configured VIES_URL through the injected fetch", async () => {
    const vies = fakeVies({ NL004495445B01: { ...valid, countryCode: "NL", vatNumber: "004495445B01", name: "EXAMPLE BV", address: "DAMRAK 1\n1012LG AMSTERDAM" } });
    const batch = createMessageBatch(ORDER_QUEUE_NAME, [{ id: "vies", timestamp: new Date(), attempts: 1, body: { type: "vat.check", vat_number: "NL004495445B01" } }]);
    await handleQueue(batch, { ...env, VIES_URL: VIES_FAKE_URL } as typeof env, { now: () => CHECKED_AT, fetch: vies.fetch });
    expect(vies.requests.map((request) => request.body)).toEqual([{ countryCode: "NL", vatNumber: "004495445B01" }]);
    expect(await vatCheckOf(env.DB, "NL004495445B01")).toMatchObject({ result: "valid", name: "EXAMPLE BV" });
  });
});

describe("a reverse-charge invoice and its VIES check", () => {
  beforeAll(async () => {
    await api("/api/company", { method: "PUT", json: { legal_name: "Rīgas Keramika SIA", vat_number: "LV40003245752", address: { line1: "Brīvības iela 1", city: "Rīga", country: "LV" } } });
  });

  it("is issued with 0 VAT whatever VIES says; an invalid answer shows on the document and holds nothing", async () => {
    const channel = await createChannel("Reverse charge shop");
    const body = { ...frBusiness, customer: { ...frBusiness.customer, vat_number: "FR 11 123456789" } };
    const orderId = (await json(await postOrder(channel, JSON.stringify(body)))).order_id as string;
    const processed = await json(await api(`/api/orders/${orderId}/process`, { method: "POST", json: { type: "invoice", execute: true } }));
    expect(processed.document).toMatchObject({ status: "executed", tax_kind: "reverse_charge", totals: { tax: "0.00" } });
    expect(processed.document.lines.map((line: any) => line.tax_code)).toEqual(["RC-EU-0", "RC-EU-0"]);

    await checkVatNumber(env.DB, "FR11123456789", io(fakeVies({}).fetch));
    const detail = await json(await api(`/api/documents/${processed.document.id}`));
    expect(detail.status).toBe("executed");
    expect(detail.vat_check).toEqual({ vat_number: "FR11123456789", result: "invalid", name: null, address: null, request_id: null, checked_at: "2026-11-27T10:01:02.000Z" });
  });

  it("queues one VIES check when the document is made, none once VIES has answered", async () => {
    const sent: OrderMessage[] = [];
    const checked = readConfig(env);
    if (!checked.ok) throw new Error(checked.message);
    const queue = { send: async (body: OrderMessage) => void sent.push(body) } as unknown as Queue<OrderMessage>;
    const services = { ...buildServices(env, checked.config, () => CHECKED_AT), queue };
    const channel = await createChannel("Queue shop");
    const body = { ...frBusiness, external_id: "VAT-FR-3", customer: { ...frBusiness.customer, vat_number: "FR 22 123456789" } };
    const orderId = (await json(await postOrder(channel, JSON.stringify(body)))).order_id as string;

    await processOrderByHand(services, orderId, { type: "invoice", execute: false });
    expect(sent).toEqual([{ type: "vat.check", vat_number: "FR22123456789" }]);
    await checkVatNumber(env.DB, "FR22123456789", io(fakeVies({}).fetch));
    await processOrderByHand(services, orderId, { type: "invoice", execute: false });
    expect(sent).toHaveLength(1);
  });

  it("shows no VIES check on a document that is not reverse-charged", async () => {
    const channel = await createChannel("Domestic shop");
    const body = { ...frBusiness, external_id: "VAT-FR-2", shipping_address: { ...frBusiness.shipping_address, country: "LV" }, billing_address: null };
    const orderId = (await json(await postOrder(channel, JSON.stringify(body)))).order_id as string;
    const processed = await json(await api(`/api/orders/${orderId}/process`, { method: "POST", json: { type: "invoice", execute: false } }));
    expect(processed.document.tax_kind).toBe("domestic");
    expect((await json(await api(`/api/documents/${processed.document.id}`))).vat_check).toBeUndefined();
  });
});
