/**
 * Stock sync to Shopify (Admin API access) against the fake shop's GraphQL: SKUs mapped to
 * inventory items, "available" set at the shop's location, 250 a mutation, the location choice,
 * untracked variants, an item Shopify refuses, and throttling.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { requestStockSync } from "../../src/stock/sync-run";
import {
  configureShop,
  requestLog,
  seedShopifyLocations,
  seedShopifyVariants,
  setShopifyGraphqlBucket,
  shopBaseUrl,
  shopifyInventoryLevels,
  type FakeShopifyVariant,
} from "../fakes/shopify-control";
import { createChannel } from "../helpers";
import { runDetail, stock, syncHarness, syncSettings, warehouse } from "./sync-harness";

const FAKE = env.SHOPIFY_FAKE_URL;
const TOKEN = "shpat_stock_sync_test_token";
const LOCATION = "gid://shopify/Location/9001";

const variant = (n: number, sku: string, extra: Partial<FakeShopifyVariant> = {}): FakeShopifyVariant => ({
  id: `gid://shopify/ProductVariant/${n}`,
  sku,
  inventoryItemId: `gid://shopify/InventoryItem/${n}`,
  ...extra,
});

async function shopifyChannel(shopKey: string, warehouseId: string, locations = [{ id: LOCATION, name: "Warehouse" }]) {
  await configureShop(FAKE, shopKey, { accessToken: TOKEN });
  await seedShopifyLocations(FAKE, shopKey, locations);
  const channel = await createChannel(`Shopify ${shopKey}`, { type: "shopify", shop_domain: shopBaseUrl(FAKE, shopKey), access_token: TOKEN });
  await syncSettings(channel.id, { warehouse_id: warehouseId });
  return channel;
}

const levels = async (shopKey: string) => new Map((await shopifyInventoryLevels(FAKE, shopKey)).map((level) => [level.inventoryItemId, level.available]));
const graphqlCalls = async (shopKey: string) => (await requestLog(FAKE, shopKey)).flatMap((entry: any) => (entry.graphql ? [entry.graphql.rootField as string] : []));

describe("stock sync to Shopify", () => {
  it("maps SKUs to inventory items and sets available at the shop's only location, 250 items a mutation", async () => {
    const wh = await warehouse("sh-full");
    const key = `sh-full-${wh}`;
    const channel = await shopifyChannel(key, wh);
    const skus = Array.from({ length: 260 }, (_, index) => `${wh}-${String(index).padStart(3, "0")}`);
    await seedShopifyVariants(FAKE, key, skus.map((sku, index) => variant(5000 + index, sku)));
    await stock(wh, Object.fromEntries(skus.map((sku, index) => [sku, index % 5])));
    const harness = syncHarness();
    const run = (await requestStockSync(harness.services, channel.id, { mode: "full", trigger: "manual" }))!;
    await harness.drain();

    // One locations query, three lookups of at most 100 SKUs, two mutations (250 + 10).
    expect(await graphqlCalls(key)).toEqual(["locations", "productVariants", "productVariants", "productVariants", "inventorySetQuantities", "inventorySetQuantities"]);
    const after = await levels(key);
    expect(skus.every((_, index) => after.get(`gid://shopify/InventoryItem/${5000 + index}`) === index % 5)).toBe(true);
    expect(await runDetail(channel.id, run.id)).toMatchObject({ status: "succeeded", requests: 6, items: { planned: 260, succeeded: 260 } });
  });

  it("asks the merchant to choose when the shop has several locations, and uses the one chosen", async () => {
    const wh = await warehouse("sh-loc");
    const key = `sh-loc-${wh}`;
    const channel = await shopifyChannel(key, wh, [
      { id: LOCATION, name: "Warehouse" },
      { id: "gid://shopify/Location/9002", name: "Shopfront" },
    ]);
    await seedShopifyVariants(FAKE, key, [variant(6001, `${wh}-A`)]);
    await stock(wh, { [`${wh}-A`]: 6 });
    const harness = syncHarness();
    const refused = (await requestStockSync(harness.services, channel.id, { mode: "full", trigger: "manual" }))!;
    await harness.drain();
    const detail = await runDetail(channel.id, refused.id);
    expect(detail.status).toBe("failed");
    expect(detail.error).toMatch(/The shop has 2 locations \(Warehouse: gid:\/\/shopify\/Location\/9001, Shopfront: gid:\/\/shopify\/Location\/9002\); choose one/);

    await syncSettings(channel.id, { location_id: "9002" });
    const chosen = (await requestStockSync(harness.services, channel.id, { mode: "full", trigger: "manual" }))!;
    await harness.drain();
    const chosenDetail = await runDetail(channel.id, chosen.id);
    expect(chosenDetail, JSON.stringify(chosenDetail)).toMatchObject({ status: "succeeded" });
    const level = (await shopifyInventoryLevels(FAKE, key)).find((entry) => entry.locationId === "gid://shopify/Location/9002");
    expect(level).toMatchObject({ inventoryItemId: "gid://shopify/InventoryItem/6001", available: 6 });
  });

  it("refuses untracked variants, fails unknown SKUs, and re-sends the rest of a mutation Shopify refused for one item", async () => {
    const wh = await warehouse("sh-mixed");
    const key = `sh-mixed-${wh}`;
    const channel = await shopifyChannel(key, wh);
    await seedShopifyVariants(FAKE, key, [
      variant(7001, `${wh}-OK`),
      variant(7002, `${wh}-UNTRACKED`, { tracked: false }),
      // Stocked nowhere: Shopify refuses to set it at the location.
      variant(7003, `${wh}-NOT-STOCKED`, { available: {} }),
    ]);
    await stock(wh, { [`${wh}-OK`]: 2, [`${wh}-UNTRACKED`]: 1, [`${wh}-NOT-STOCKED`]: 3, [`${wh}-UNKNOWN`]: 4 });
    const harness = syncHarness();
    const run = (await requestStockSync(harness.services, channel.id, { mode: "full", trigger: "manual" }))!;
    await harness.drain();
    const detail = await runDetail(channel.id, run.id);
    expect(detail).toMatchObject({ status: "partial", items: { planned: 4, succeeded: 1, failed: 3 } });
    const reasons = Object.fromEntries(detail.item_list.map((item: any) => [item.sku.slice(wh.length + 1), item.error]));
    expect(reasons).toEqual({
      OK: null,
      UNTRACKED: expect.stringMatching(/does not track inventory/),
      "NOT-STOCKED": expect.stringMatching(/^ITEM_NOT_STOCKED_AT_LOCATION/),
      UNKNOWN: "The store has no product or variation with this SKU",
    });
    expect((await levels(key)).get("gid://shopify/InventoryItem/7001")).toBe(2);
    // The first mutation carried both tracked items and applied nothing; the second carried the good one alone.
    expect((await graphqlCalls(key)).filter((call) => call === "inventorySetQuantities")).toHaveLength(2);
  });

  it("waits when Shopify throttles the GraphQL bucket, as long as the cost needs to restore", async () => {
    const wh = await warehouse("sh-throttle");
    const key = `sh-throttle-${wh}`;
    const channel = await shopifyChannel(key, wh);
    await seedShopifyVariants(FAKE, key, [variant(8001, `${wh}-T`)]);
    await stock(wh, { [`${wh}-T`]: 9 });
    const harness = syncHarness();
    const run = (await requestStockSync(harness.services, channel.id, { mode: "full", trigger: "manual" }))!;
    await harness.drain(2, 1); // locations and the lookup
    await setShopifyGraphqlBucket(FAKE, key, { currentlyAvailable: 0, restoreRate: 5 });
    const [throttled] = await harness.drain(40, 1);
    // inventorySetQuantities costs 10 points; at 5 a second that is 2 s.
    expect(throttled).toMatchObject({ outcome: "continued", requests: 1 });
    expect(throttled.delayMs).toBeGreaterThanOrEqual(1000);
    expect(throttled.delayMs).toBeLessThanOrEqual(2000);
    await new Promise((resolve) => setTimeout(resolve, throttled.delayMs!));
    await harness.drain();
    expect(await runDetail(channel.id, run.id)).toMatchObject({ status: "succeeded", items: { succeeded: 1 } });
    expect((await levels(key)).get("gid://shopify/InventoryItem/8001")).toBe(9);
  });
});
