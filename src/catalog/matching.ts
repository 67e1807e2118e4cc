/**
 * Finding what an order's document refers to: the customer and the products.
 *
 * Customers, in order of certainty: the channel's own customer id, then the e-mail address, then
 * the VAT number; created when none matches. The channel's link to a customer (its id, or the
 * e-mail or VAT number it used) is UNIQUE, and creating goes in one batch with claiming the link,
 * so two workers processing orders of the same new customer create one customer, not two.
 * A channel set to "single" files every order under one customer of its own.
 *
 * Products are found by SKU; a channel may create the ones it does not know.
 */
import { newId } from "../lib/ids";
import type { Order } from "../orders/order";
import { createMissingProducts, customerIdByEmail, customerIdByVatNumber, linkCustomer, linkedCustomerId, productsBySku } from "./catalog-store";

export type CustomerMatch = "linked" | "email" | "vat_number" | "created" | "single" | "none";

/** The part of a channel's automation that says how its orders' customers are found. */
export interface CustomerRule {
  /** "match": find or create the order's customer; "single": one customer for all the channel's orders. */
  customer: "match" | "single";
  single_customer_name: string;
}

/** Goods lines only: a tip or a gift card sold is not a product, whatever SKU the store gave it. */
const goodsLines = (order: Order) => order.lines.filter((line) => line.sku && line.kind === undefined);
const skusOf = (order: Order) => goodsLines(order).map((line) => line.sku!);

/** The products of the order's lines, found without creating any (the preview). */
export const productsOfOrder = (d1: D1Database, order: Order) => productsBySku(d1, skusOf(order));

/** The products of the order's lines, creating the missing ones when the channel says so. */
export async function productsForOrder(d1: D1Database, order: Order, createMissing: boolean, now: number): Promise<Map<string, { id: string }>> {
  const skus = skusOf(order);
  const found = await productsBySku(d1, skus);
  const missing = goodsLines(order).filter((line) => !found.has(line.sku!));
  if (!createMissing || missing.length === 0) return found;
  await createMissingProducts(
    d1,
    missing.map((line) => ({ sku: line.sku!, name: line.name, unitPriceMinor: line.unit_price, currency: order.currency, taxRate: line.tax_rate ?? null })),
    now,
  );
  return productsBySku(d1, skus);
}

const normalEmail = (order: Order) => order.customer?.email?.trim().toLowerCase();
const normalVatNumber = (order: Order) => order.customer?.vat_number?.replace(/\s+/g, "").toUpperCase();

/** The link keys of an order's customer, surest first. */
function linkKeys(order: Order): Array<{ key: string; match: CustomerMatch }> {
  const keys: Array<{ key: string; match: CustomerMatch }> = [];
  if (order.customer?.external_id) keys.push({ key: `id:${order.customer.external_id}`, match: "linked" });
  const email = normalEmail(order);
  if (email) keys.push({ key: `email:${email}`, match: "email" });
  const vat = normalVatNumber(order);
  if (vat) keys.push({ key: `vat:${vat}`, match: "vat_number" });
  return keys;
}

const keysFor = (order: Order, rule: CustomerRule) => (rule.customer === "single" ? [{ key: "single", match: "single" as const }] : linkKeys(order));

export interface MatchedCustomer {
  customerId: string | null;
  match: CustomerMatch;
}

/** Looks the customer up without creating anything (the preview). */
export async function findCustomer(d1: D1Database, channelId: string, order: Order, rule: CustomerRule): Promise<MatchedCustomer> {
  const keys = keysFor(order, rule);
  for (const { key, match } of keys) {
    const link = await linkedCustomerId(d1, channelId, key);
    if (link) return { customerId: link, match };
  }
  if (rule.customer === "match") {
    const email = normalEmail(order);
    const vat = normalVatNumber(order);
    const byEmail = email ? await customerIdByEmail(d1, email) : null;
    if (byEmail) return { customerId: byEmail, match: "email" };
    const byVat = vat ? await customerIdByVatNumber(d1, vat) : null;
    if (byVat) return { customerId: byVat, match: "vat_number" };
  }
  return { customerId: null, match: keys.length || rule.customer === "single" ? "created" : "none" };
}

/** Finds the order's customer, or creates them; every key the order carries is linked to the result. */
export async function matchCustomer(d1: D1Database, channelId: string, order: Order, rule: CustomerRule, now: number): Promise<MatchedCustomer> {
  const found = await findCustomer(d1, channelId, order, rule);
  const single = rule.customer === "single";
  const keys = keysFor(order, rule);
  if (keys.length === 0) return found;
  const candidate = found.customerId ?? newId("cus", now);
  const customer = order.customer;
  const customerId = await linkCustomer(d1, {
    channelId,
    keys: keys.map(({ key }) => key),
    customerId: candidate,
    // Created only if no other worker claimed the surest key first; both then share its customer.
    create: found.customerId
      ? null
      : {
          id: candidate,
          name: single ? rule.single_customer_name : (customer?.name ?? customer?.company ?? customer?.email ?? "Customer"),
          email: single ? null : (normalEmail(order) ?? null),
          vatNumber: single ? null : (normalVatNumber(order) ?? null),
          company: single ? null : (customer?.company ?? null),
          phone: single ? null : (customer?.phone ?? null),
          address: single || !order.billing_address ? null : JSON.stringify(order.billing_address),
        },
    now,
  });
  return { customerId: customerId ?? candidate, match: found.customerId ? found.match : single ? "single" : "created" };
}
