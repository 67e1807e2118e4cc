import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { countRefusedDeliveriesSince, findDeliveriesOfOrder } from "../../src/inbound/delivery-store";
import { createChannel, json, postOrder, sampleOrder } from "../helpers";

const db = drizzle(env.DB, { schema });

describe("delivery store", () => {
  it("finds the deliveries that brought an order, oldest first", async () => {
    const channel = await createChannel("Delivery store shop");
    const order = sampleOrder();
    const first = await json(await postOrder(channel, JSON.stringify(order)));
    const again = await json(await postOrder(channel, JSON.stringify(order)));
    expect(again).toMatchObject({ order_id: first.order_id, duplicate: true });

    const found = await findDeliveriesOfOrder(db, first.order_id);
    expect(found.map((delivery) => delivery.outcome)).toEqual(["accepted", "duplicate"]);
    expect(found[0].receivedAt).toBeLessThanOrEqual(found[1].receivedAt);
  });

  it("counts refused deliveries since a time, and none before it", async () => {
    const channel = await createChannel("Refusing shop");
    const since = Date.now() - 1000;
    const before = await countRefusedDeliveriesSince(env.DB, since);
    expect((await postOrder(channel, JSON.stringify(sampleOrder()), { signature: "t=1,v1=00" })).status).toBe(401);
    expect(await countRefusedDeliveriesSince(env.DB, since)).toBe(before + 1);
    expect(await countRefusedDeliveriesSince(env.DB, Date.now() + 60_000)).toBe(0);
  });
});
