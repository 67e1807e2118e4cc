/**
 * Finding what a document refers to: the customer and the products.
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
import type { Automation } from "./automation";
import type { ProductIndex } from "./document";

export type CustomerMatch = "linked" | "email" | "vat_number" | "created" | "single" | "none";

// D1 allows 100 bound parameters per statement.
const CHUNK = 90;

export async function findProducts(d1: D1Database, skus: string[]): Promise<Map<string, { id: string }>> {
  const found = new Map<string, { id: string }>();
  const unique = [...new Set(skus)];
  for (let start = 0; start < unique.length; start += CHUNK) {
    const chunk = unique.slice(start, start + CHUNK);
    const { results } = await d1
      .prepare(`SELECT id, sku FROM products WHERE sku IN (${chunk.map((_, index) => `?${index + 1}`).join(", ")})`)
      .bind(...chunk)
      .all<{ id: string; sku: string }>();
    for (const row of results) found.set(row.sku, { id: row.id });
  }
  return found;
}

/** The products of the order's lines, creating the missing ones when the channel says so. */
export async function productsForOrder(d1: D1Database, order: Order, createMissing: boolean, now: number): Promise<ProductIndex> {
  const skus = order.lines.flatMap((line) => (line.sku ? [line.sku] : []));
  const found = await findProducts(d1, skus);
  const missing = order.lines.filter((line) => line.sku && !found.has(line.sku));
  if (!createMissing || missing.length === 0) return found;
  await d1.batch(
    missing.map((line) =>
      d1
        .prepare(
          `INSERT INTO products (id, sku, name, unit_price_minor, currency, tax_rate, created_at, updated_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) ON CONFLICT (sku) DO NOTHING`,
        )
        .bind(newId("prd", now), line.sku, line.name, line.unit_price, order.currency, line.tax_rate ?? null, now),
    ),
  );
  return findProducts(d1, skus);
}

/** The link keys of an order's customer, surest first. */
function linkKeys(order: Order): Array<{ key: string; match: CustomerMatch }> {
  const customer = order.customer;
  const keys: Array<{ key: string; match: CustomerMatch }> = [];
  if (customer?.external_id) keys.push({ key: `id:${customer.external_id}`, match: "linked" });
  const email = customer?.email?.trim().toLowerCase();
  if (email) keys.push({ key: `email:${email}`, match: "email" });
  const vat = customer?.vat_number?.replace(/\s+/g, "").toUpperCase();
  if (vat) keys.push({ key: `vat:${vat}`, match: "vat_number" });
  return keys;
}

export interface MatchedCustomer {
  customerId: string | null;
  match: CustomerMatch;
}

/** Looks the customer up without creating anything (the preview). */
export async function findCustomer(d1: D1Database, channelId: string, order: Order, automation: Automation): Promise<MatchedCustomer> {
  const keys = automation.customer === "single" ? [{ key: "single", match: "single" as const }] : linkKeys(order);
  for (const { key, match } of keys) {
    const link = await d1.prepare("SELECT customer_id FROM customer_links WHERE channel_id = ?1 AND external_id = ?2").bind(channelId, key).first<string>("customer_id");
    if (link) return { customerId: link, match };
  }
  if (automation.customer === "match") {
    const email = order.customer?.email?.trim().toLowerCase();
    const vat = order.customer?.vat_number?.replace(/\s+/g, "").toUpperCase();
    const byEmail = email ? await d1.prepare("SELECT id FROM customers WHERE email = ?1 ORDER BY created_at LIMIT 1").bind(email).first<string>("id") : null;
    if (byEmail) return { customerId: byEmail, match: "email" };
    const byVat = vat ? await d1.prepare("SELECT id FROM customers WHERE vat_number = ?1 ORDER BY created_at LIMIT 1").bind(vat).first<string>("id") : null;
    if (byVat) return { customerId: byVat, match: "vat_number" };
  }
  return { customerId: null, match: keys.length || automation.customer === "single" ? "created" : "none" };
}

/** Finds the order's customer, or creates them; every key the order carries is linked to the result. */
export async function matchCustomer(d1: D1Database, channelId: string, order: Order, automation: Automation, now: number): Promise<MatchedCustomer> {
  const found = await findCustomer(d1, channelId, order, automation);
  const single = automation.customer === "single";
  const keys = single ? [{ key: "single", match: "single" as const }] : linkKeys(order);
  if (keys.length === 0) return found;
  const candidate = found.customerId ?? newId("cus", now);
  const [first] = keys;
  const customer = order.customer;
  const statements: D1PreparedStatement[] = [];
  if (!found.customerId) {
    // Created only if no other worker claimed the surest key first; both then share its customer.
    statements.push(
      d1
        .prepare(
          `INSERT INTO customers (id, name, email, vat_number, company, phone, address, created_at, updated_at)
           SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8
           WHERE NOT EXISTS (SELECT 1 FROM customer_links WHERE channel_id = ?9 AND external_id = ?10)`,
        )
        .bind(
          candidate,
          single ? automation.single_customer_name : (customer?.name ?? customer?.company ?? customer?.email ?? "Customer"),
          single ? null : (customer?.email?.trim().toLowerCase() ?? null),
          single ? null : (customer?.vat_number?.replace(/\s+/g, "").toUpperCase() ?? null),
          single ? null : (customer?.company ?? null),
          single ? null : (customer?.phone ?? null),
          single || !order.billing_address ? null : JSON.stringify(order.billing_address),
          now,
          channelId,
          first.key,
        ),
    );
  }
  statements.push(
    d1.prepare("INSERT INTO customer_links (channel_id, external_id, customer_id) VALUES (?1, ?2, ?3) ON CONFLICT (channel_id, external_id) DO NOTHING").bind(channelId, first.key, candidate),
  );
  // The other keys follow whoever holds the surest one, so a race cannot split a customer's links.
  for (const { key } of keys.slice(1)) {
    statements.push(
      d1
        .prepare(
          `INSERT INTO customer_links (channel_id, external_id, customer_id)
           SELECT ?1, ?2, customer_id FROM customer_links WHERE channel_id = ?1 AND external_id = ?3
           ON CONFLICT (channel_id, external_id) DO NOTHING`,
        )
        .bind(channelId, key, first.key),
    );
  }
  statements.push(d1.prepare("SELECT customer_id FROM customer_links WHERE channel_id = ?1 AND external_id = ?2").bind(channelId, first.key));
  const results = await d1.batch<{ customer_id: string }>(statements);
  const customerId = results.at(-1)!.results[0]?.customer_id ?? candidate;
  return { customerId, match: found.customerId ? found.match : single ? "single" : "created" };
}
