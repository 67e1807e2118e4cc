/** The catalog store on its own: linking a channel's customer keys under a race, and a SKU's holder. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { drizzle } from "drizzle-orm/d1";
import type { Database } from "../../src/context";
import * as schema from "../../src/db/schema";
import { insertProduct, linkCustomer, linkedCustomerId, productIdHoldingSku, type NewCustomer } from "../../src/catalog/catalog-store";
import { createChannel } from "../helpers";

const db = drizzle(env.DB, { schema }) as unknown as Database;

const newCustomer = (id: string): NewCustomer => ({ id, name: `Customer ${id}`, email: null, vatNumber: null, company: null, phone: null, address: null });

describe("linkCustomer", () => {
  it("creates one customer for the surest key, and a second claim of it gets that customer with every key linked", async () => {
    const channel = await createChannel("Catalog links");
    const tag = crypto.randomUUID().slice(0, 8);
    const [first, second] = [`cus_a_${tag}`, `cus_b_${tag}`];
    const keys = [`id:${tag}`, `email:${tag}@example.lv`];

    expect(await linkCustomer(env.DB, { channelId: channel.id, keys, customerId: first, create: newCustomer(first), now: 1 })).toBe(first);
    // A second worker that did not see the first one's customer proposes its own: it is not created.
    expect(await linkCustomer(env.DB, { channelId: channel.id, keys: [...keys, `vat:LV${tag}`], customerId: second, create: newCustomer(second), now: 2 })).toBe(first);

    const created = await env.DB.prepare("SELECT id FROM customers WHERE id IN (?1, ?2)").bind(first, second).all<{ id: string }>();
    expect(created.results).toEqual([{ id: first }]);
    for (const key of [...keys, `vat:LV${tag}`]) expect(await linkedCustomerId(env.DB, channel.id, key)).toBe(first);
  });
});

describe("productIdHoldingSku", () => {
  it("names the product holding a SKU, other than the one asked about", async () => {
    const sku = `HOLD-${crypto.randomUUID().slice(0, 8)}`;
    const id = `prd_${sku}`;
    await insertProduct(db, { id, sku, name: "Held", unitPriceMinor: null, currency: null, taxRate: null, createdAt: 1, updatedAt: 1 });
    expect(await productIdHoldingSku(db, sku)).toBe(id);
    expect(await productIdHoldingSku(db, sku, id)).toBeNull();
    expect(await productIdHoldingSku(db, `${sku}-FREE`)).toBeNull();
  });
});
