/**
 * Stock sync in the dashboard: the channel page's schedule and "sync now", the log of runs and one
 * run with its items, the last pushed quantity on Products, and failed runs on the Overview.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { configureStore, seedProducts, storeBaseUrl } from "../fakes/woocommerce-control";
import { api, createChannel, json, type TestChannel } from "../helpers";
import { stock, syncSettings, warehouse } from "../stock/sync-harness";
import { get, post, signIn, textOf, type DashboardUser } from "./dashboard-client";

const FAKE = env.WOO_FAKE_URL;
const KEY = "ck_0123456789abcdef0123456789abcdef01234567";
const SECRET = "cs_76543210fedcba9876543210fedcba9876543210";
const WAIT = { timeout: 20_000, interval: 200 };

let user: DashboardUser;
let shop: TestChannel;
let wh: string;

beforeAll(async () => {
  user = await signIn();
  wh = await warehouse("dash");
  const key = `dash-${wh}`;
  await configureStore(FAKE, key, { consumerKey: KEY, consumerSecret: SECRET, https: false, manageStock: true });
  shop = await createChannel("Dashboard Woo", { type: "woocommerce-premium", store_url: storeBaseUrl(FAKE, key), consumer_key: KEY, consumer_secret: SECRET });
  await syncSettings(shop.id, { warehouse_id: wh });
  await seedProducts(FAKE, key, [{ id: 1, sku: `${wh}-CUP`, manage_stock: true, stock_quantity: 0 }]);
  await stock(wh, { [`${wh}-CUP`]: 6, [`${wh}-<b>GONE</b>`]: 2 });
});

const runsOf = async (channelId: string) => (await json(await api(`/api/channels/${channelId}/stock-syncs`))).items as Array<{ id: string; status: string }>;

describe("stock sync in the dashboard", () => {
  it("shows the channel's stock-sync section only for stores that take stock", async () => {
    const page = textOf((await get(user, `/dashboard/channels/${shop.id}`)).html);
    expect(page).toContain("Stock sync");
    expect(page).toContain("Sync now");
    expect(page).toContain("No stock sync yet.");
    const connect = await createChannel("No stock");
    expect((await get(user, `/dashboard/channels/${connect.id}`)).html).not.toContain("Sync now");
  });

  it("saves a schedule from the form, keeps what the form does not hold, and says why a bad one was refused", async () => {
    const saved = await post(user, `/dashboard/channels/${shop.id}/stock-sync/settings`, { schedule: "every", every_minutes: "30", cron: "", scheduled_mode: "full", warehouse_id: wh });
    expect(saved.status).toBe(303);
    expect(textOf(saved.html)).toContain("Stock-sync settings saved: the store is synced every 30 minutes.");
    expect(await json(await api(`/api/channels/${shop.id}/stock-sync/settings`))).toMatchObject({ schedule: { every_minutes: 30 }, scheduled_mode: "full", warehouse_id: wh });

    const bad = await post(user, `/dashboard/channels/${shop.id}/stock-sync/settings`, { schedule: "cron", cron: "every day", warehouse_id: wh });
    expect(textOf(bad.html)).toMatch(/schedule.*5 fields/);
    expect((await json(await api(`/api/channels/${shop.id}/stock-sync/settings`))).schedule).toEqual({ every_minutes: 30 });

    await post(user, `/dashboard/channels/${shop.id}/stock-sync/settings`, { schedule: "off", warehouse_id: wh });
    expect((await json(await api(`/api/channels/${shop.id}/stock-sync/settings`))).schedule).toBeNull();
  });

  it("syncs now, then lists the run, shows its items with the store's reasons, and the last pushed quantity per product", async () => {
    const started = await post(user, `/dashboard/channels/${shop.id}/stock-sync`, { mode: "full" });
    expect(started.status).toBe(303);
    expect(textOf(started.html)).toContain("Stock sync started (every SKU)");
    let run: { id: string; status: string } | undefined;
    await vi.waitFor(async () => {
      [run] = await runsOf(shop.id);
      expect(run?.status).toBe("partial");
    }, WAIT);

    const log = await get(user, `/dashboard/stock-syncs?channel_id=${shop.id}`);
    expect(log.status).toBe(200);
    expect(textOf(log.html)).toMatch(/all SKUs, by hand\s+partial\s+1 of 2 sent · 1 failed/);
    const failedOnly = await get(user, "/dashboard/stock-syncs?status=unsuccessful");
    expect(failedOnly.html).toContain(`/dashboard/stock-syncs/${run!.id}`);

    const detail = await get(user, `/dashboard/stock-syncs/${run!.id}?status=failed`);
    expect(detail.status).toBe(200);
    // A SKU with markup in it is text.
    expect(detail.html).toContain(`${wh}-&lt;b&gt;GONE&lt;/b&gt;`);
    expect(detail.html).not.toContain("<b>GONE</b>");
    expect(textOf(detail.html)).toContain("The store has no product or variation with this SKU");
    expect(textOf(detail.html)).not.toContain(`${wh}-CUP`);

    const products = textOf((await get(user, `/dashboard/products?q=${encodeURIComponent(`${wh}-CUP`)}`)).html);
    expect(products).toMatch(/Last pushed/);
    expect(products).toMatch(/Dashboard Woo: 6 \d{4}-\d\d-\d\d/);

    const overview = await get(user, "/dashboard");
    expect(textOf(overview.html)).toMatch(/Failed stock syncs\s+[1-9]\d*/);
  });

  it("says why a channel cannot sync instead of starting a run", async () => {
    const bare = await createChannel("Bare Woo", { type: "woocommerce-premium" });
    const page = textOf((await get(user, `/dashboard/channels/${bare.id}`)).html);
    expect(page).toContain("This channel cannot push stock yet: The channel needs its store URL, consumer key and consumer secret");
    const refused = await post(user, `/dashboard/channels/${bare.id}/stock-sync`, { mode: "changes" });
    expect(textOf(refused.html)).toMatch(/needs its store URL/);
    expect(await runsOf(bare.id)).toEqual([]);
  });

  it("answers 404 for a run that does not exist", async () => {
    expect((await get(user, "/dashboard/stock-syncs/sts_nope")).status).toBe(404);
  });
});
