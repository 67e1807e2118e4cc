import { describe, expect, it } from "vitest";
import { defaultTaxCodes, normaliseRate, taxCodeIndex, type TaxCode } from "../../src/company/tax-codes";
import { taxSituation } from "../../src/company/tax-kinds";
import { documentFromOrder, type TaxCodeInput } from "../../src/documents/document";
import { vatSummary } from "../../src/documents/vat-summary";
import { decodeOrder, type Order } from "../../src/orders/order";
import deConsumer from "../fixtures/vat/de-consumer.json";
import frBusiness from "../fixtures/vat/fr-business.json";
import lvDomestic from "../fixtures/vat/lv-domestic.json";
import lvTip from "../fixtures/vat/lv-tip.json";
import lvUnknownRate from "../fixtures/vat/lv-unknown-rate.json";
import usExport from "../fixtures/vat/us-export.json";

function order(wire: unknown, change: (body: any) => void = () => undefined): Order {
  const body = structuredClone(wire) as any;
  change(body);
  const decoded = decodeOrder(body);
  if (!decoded.ok) throw new Error(`fixture does not decode: ${JSON.stringify(decoded.issues)}`);
  return decoded.order;
}

const latvianCodes: TaxCode[] = defaultTaxCodes("LV").map((code, index) => ({ ...code, id: `tax_${index}` }));
const latvia: TaxCodeInput = { seller_country: "LV", codes: taxCodeIndex(latvianCodes) };
const make = (from: Order, taxes = latvia) => documentFromOrder(from, "ord_1", new Map(), taxes);
const codesOf = (document: ReturnType<typeof make>) => document.content.lines.map((line) => [line.kind, line.tax_code]);

describe("the VAT kind of an order and its lines' tax codes (a Latvian company)", () => {
  it("books a domestic invoice at 21 % and 12 % under PVN21 and PVN12, shipping at the rate its tax fits, in two summary rows", () => {
    const document = make(order(lvDomestic));
    expect(document.problems).toEqual([]);
    expect(document.content.tax_kind).toBe("domestic");
    expect(codesOf(document)).toEqual([
      ["item", "PVN21"],
      ["item", "PVN12"],
      ["shipping", "PVN21"],
    ]);
    expect(vatSummary(document.content.lines, document.content.prices_include_tax, latvianCodes)).toEqual([
      { tax_code: "PVN21", label: "VAT 21 % (LV)", kind: "domestic", rate: "21", taxable: 2500, vat: 525, base: null },
      { tax_code: "PVN12", label: "VAT 12 % (LV)", kind: "domestic", rate: "12", taxable: 500, vat: 60, base: null },
    ]);
  });

  it("takes the net amount as taxable when prices include tax", () => {
    const document = make(
      order(lvDomestic, (body) => {
        body.prices_include_tax = true;
        body.lines = [{ name: "Ceramic mug", quantity: 1, unit_price: "12.10", tax_rate: "21", tax: "2.10", total: "12.10" }];
        body.shipping = [];
        body.totals = { subtotal: "12.10", shipping: "0.00", tax: "2.10", total: "12.10" };
      }),
    );
    expect(vatSummary(document.content.lines, true, latvianCodes)).toEqual([{ tax_code: "PVN21", label: "VAT 21 % (LV)", kind: "domestic", rate: "21", taxable: 1000, vat: 210, base: null }]);
  });

  it("books a German consumer's order under OSS-DE-19, goods and shipping", () => {
    const document = make(order(deConsumer));
    expect(document.problems).toEqual([]);
    expect(document.content.tax_kind).toBe("oss");
    expect(codesOf(document)).toEqual([
      ["item", "OSS-DE-19"],
      ["shipping", "OSS-DE-19"],
    ]);
    expect(vatSummary(document.content.lines, false, latvianCodes).map((row) => [row.tax_code, row.kind, row.taxable, row.vat])).toEqual([["OSS-DE-19", "oss", 6000, 1140]]);
  });

  it("reverse-charges a French company with a valid-format VAT number that was charged no VAT", () => {
    const document = make(order(frBusiness));
    expect(document.problems).toEqual([]);
    expect(document.content.tax_kind).toBe("reverse_charge");
    expect(codesOf(document)).toEqual([
      ["item", "RC-EU-0"],
      ["shipping", "RC-EU-0"],
    ]);
    expect(document.totals.tax).toBe(0);
    expect(vatSummary(document.content.lines, false, latvianCodes)).toEqual([{ tax_code: "RC-EU-0", label: "Reverse charge", kind: "reverse_charge", rate: "0", taxable: 11000, vat: 0, base: null }]);
  });

  it("keeps the store's VAT when it charged a business buyer anyway: OSS at the rate charged, not reverse charge", () => {
    const charged = order(frBusiness, (body) => {
      body.lines[0] = { ...body.lines[0], tax_rate: "20", tax: "20.00" };
      body.shipping[0].tax = "2.00";
      body.totals = { ...body.totals, tax: "22.00", total: "132.00" };
    });
    expect(make(charged).content.lines.map((line) => line.tax_code)).toEqual(["OSS-FR-20", "OSS-FR-20"]);
  });

  it("does not reverse-charge a VAT number of another member state, or one of the wrong form", () => {
    for (const number of ["DE811569869", "FR12"]) {
      const document = make(order(frBusiness, (body) => (body.customer.vat_number = number)));
      expect(document.content.tax_kind, number).toBe("oss");
      expect(document.content.lines.map((line) => line.tax_code)).toEqual(["OSS-FR-0", "OSS-FR-0"]);
    }
  });

  it("books an order to the United States as an export, 0 %", () => {
    const document = make(order(usExport));
    expect(document.problems).toEqual([]);
    expect(document.content.tax_kind).toBe("export");
    expect(codesOf(document)).toEqual([
      ["item", "EXPORT-0"],
      ["shipping", "EXPORT-0"],
    ]);
  });

  it("keeps an export the store charged VAT on domestic", () => {
    const charged = order(usExport, (body) => {
      body.lines[0] = { ...body.lines[0], tax_rate: "21", tax: "6.30" };
      body.totals = { ...body.totals, tax: "6.30", total: "51.30" };
    });
    expect(taxSituation(charged, "LV")?.kind).toBe("domestic");
    expect(make(charged).content.lines.map((line) => line.tax_code)).toEqual(["PVN21", "PVN0"]);
  });

  it("holds a line at a rate no code has, saying what to add", () => {
    const document = make(order(lvUnknownRate));
    expect(document.content.lines[0].tax_code).toBeNull();
    expect(document.problems).toEqual([{ code: "no_tax_code", message: 'Line 1 ("Ceramic mug"): no tax code for domestic VAT in LV at 17 %: add one under tax codes' }]);
  });

  it("puts a tip outside VAT", () => {
    const document = make(order(lvTip));
    expect(document.problems).toEqual([]);
    expect(codesOf(document)).toEqual([
      ["item", "PVN21"],
      ["tip", "OUTSIDE-0"],
    ]);
  });

  it("codes nothing and holds nothing while the company's country is unknown", () => {
    const document = make(order(deConsumer), { seller_country: null, codes: new Map() });
    expect(document.problems).toEqual([]);
    expect(document.content.tax_kind).toBeUndefined();
    expect(document.content.lines.every((line) => line.tax_code === undefined)).toBe(true);
  });
});

describe("the default tax codes", () => {
  it("seeds a Latvian company's domestic codes, OSS codes for every other member state, reverse charge, export and outside VAT", () => {
    const codes = defaultTaxCodes("LV").map((code) => code.code);
    expect(codes.filter((code) => code.startsWith("PVN"))).toEqual(["PVN21", "PVN12", "PVN5", "PVN0"]);
    expect(codes).toContain("OSS-DE-19");
    expect(codes).toContain("OSS-FR-5.5");
    expect(codes).toContain("OSS-GR-24");
    expect(codes.some((code) => code.startsWith("OSS-LV-"))).toBe(false);
    expect(codes.slice(-3)).toEqual(["RC-EU-0", "EXPORT-0", "OUTSIDE-0"]);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it("names domestic codes by the country's own word, VAT where it has none here", () => {
    expect(defaultTaxCodes("DE")[0].code).toBe("MWST19");
    expect(defaultTaxCodes("HU")[0].code).toBe("VAT27");
  });

  it.each([
    ["21.0", "21"],
    ["5.50", "5.5"],
    ["021", "21"],
    [null, "0"],
    ["0.00", "0"],
    ["abc", null],
  ] as Array<[string | null, string | null]>)("normalises the rate %s to %s", (rate, expected) => {
    expect(normaliseRate(rate)).toBe(expected);
  });
});
