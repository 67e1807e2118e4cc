/** Tax codes kept in D1 and used by documents: seeding, editing, and what processing an order books. */
import { beforeAll, describe, expect, it } from "vitest";
import { api, createChannel, json, postOrder, type TestChannel } from "../helpers";
import deConsumer from "../fixtures/vat/de-consumer.json";
import lvUnknownRate from "../fixtures/vat/lv-unknown-rate.json";

let channel: TestChannel;
let sequence = 0;

beforeAll(async () => {
  const saved = await api("/api/company", { method: "PUT", json: { legal_name: "Rīgas Keramika SIA", vat_number: "LV40003245752", address: { line1: "Brīvības iela 1", city: "Rīga", country: "LV" } } });
  expect(saved.status).toBe(200);
  channel = await createChannel("VAT shop");
});

/** Posts a fixture order under a fresh external id and processes it by hand into a draft invoice. */
async function documentFor(fixture: Record<string, any>) {
  const body: Record<string, any> = { ...fixture, external_id: `${fixture.external_id}-${(sequence += 1)}-${Date.now()}` };
  body.customer = { ...body.customer, email: `buyer-${sequence}-${Date.now()}@example.eu` };
  body.payment = { ...body.payment, transaction_id: `${body.payment.transaction_id}-${sequence}-${Date.now()}` };
  const posted = await postOrder(channel, JSON.stringify(body));
  expect(posted.status, await posted.clone().text()).toBeLessThan(300);
  const orderId = (await json(posted)).order_id as string;
  const processed = await api(`/api/orders/${orderId}/process`, { method: "POST", json: { type: "invoice", execute: false } });
  expect(processed.status).toBe(200);
  const documents = (await json(await api(`/api/documents?order_id=${orderId}`))).items as any[];
  return documents[0];
}

const codes = async () => (await json(await api("/api/tax-codes"))).items as Array<{ id: string; code: string; kind: string; country: string; rate: string; label: string }>;

describe("tax codes in the books", () => {
  it("seeds the defaults when the first document is made, and books a German consumer's order under OSS-DE-19", async () => {
    expect(await codes()).toEqual([]);
    const invoice = await documentFor(deConsumer);
    expect(invoice.problems).toEqual([]);
    expect(invoice.tax_kind).toBe("oss");
    expect(invoice.lines.map((line: any) => [line.kind, line.tax_code])).toEqual([
      ["item", "OSS-DE-19"],
      ["shipping", "OSS-DE-19"],
    ]);
    expect((await codes()).map((code) => code.code)).toEqual(expect.arrayContaining(["PVN21", "PVN12", "PVN5", "PVN0", "OSS-DE-19", "RC-EU-0", "EXPORT-0", "OUTSIDE-0"]));
  });

  it("seeding twice changes nothing", async () => {
    const before = await codes();
    const first = await json(await api("/api/tax-codes/seed", { method: "POST" }));
    const second = await json(await api("/api/tax-codes/seed", { method: "POST" }));
    expect([first.created, second.created]).toEqual([0, 0]);
    expect(await codes()).toEqual(before);
    expect(second.items).toEqual(before);
  });

  it("holds an invoice with a line at a rate no code has, until a code is added", async () => {
    const held = await documentFor(lvUnknownRate);
    expect(held.status).toBe("draft");
    expect(held.problems).toEqual([{ code: "no_tax_code", message: 'Line 1 ("Ceramic mug"): no tax code for domestic VAT in LV at 17 %: add one under tax codes' }]);

    const added = await api("/api/tax-codes", { method: "POST", json: { code: "PVN17", label: "VAT 17 % (LV)", kind: "domestic", country: "lv", rate: "17.0" } });
    expect(added.status).toBe(201);
    expect(await json(added)).toMatchObject({ code: "PVN17", country: "LV", rate: "17" });
    const again = await api(`/api/orders/${held.order_id}/process`, { method: "POST", json: { execute: false } });
    expect(again.status).toBe(200);
    const redone = await json(await api(`/api/documents/${held.id}`));
    expect(redone.problems).toEqual([]);
    expect(redone.lines[0].tax_code).toBe("PVN17");
  });

  it("edits and removes a code, and refuses a second code for the same kind, country and rate", async () => {
    const duplicate = await api("/api/tax-codes", { method: "POST", json: { code: "MY-DE-19", label: "Germany", kind: "oss", country: "DE", rate: 19 } });
    expect(duplicate.status).toBe(409);
    expect((await json(duplicate)).error.code).toBe("conflict");

    const wrong = await api("/api/tax-codes", { method: "POST", json: { code: "RC-LV", label: "Reverse", kind: "reverse_charge", country: "LV", rate: "0" } });
    expect(wrong.status).toBe(400);

    const oss = (await codes()).find((code) => code.code === "OSS-DE-7")!;
    const renamed = await api(`/api/tax-codes/${oss.id}`, { method: "PATCH", json: { code: "DE-REDUCED", label: "Germany, reduced" } });
    expect(renamed.status).toBe(200);
    expect(await json(renamed)).toMatchObject({ id: oss.id, code: "DE-REDUCED", kind: "oss", country: "DE", rate: "7" });

    expect((await api(`/api/tax-codes/${oss.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await codes()).some((code) => code.id === oss.id)).toBe(false);
    expect((await api(`/api/tax-codes/${oss.id}`, { method: "DELETE" })).status).toBe(404);
    // Seeding puts back what is missing, and only that.
    expect((await json(await api("/api/tax-codes/seed", { method: "POST" }))).created).toBe(1);
  });
});
