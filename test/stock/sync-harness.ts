/**
 * Drives stock-sync runs step by step in the Worker, against the fake stores: the queue is a
 * recorder, the clock is ours, and each recorded step message is run with the budget a test picks.
 * The real D1 and the real step function do the work; only the queue hop is taken by hand, so a
 * test sees every step (and can deliver one twice).
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { buildServices, type Services } from "../../src/context";
import { readConfig } from "../../src/env";
import type { OrderMessage } from "../../src/queue/messages";
import { runStockSyncStep, type StepResult } from "../../src/stock/sync-run";
import { api, json } from "../helpers";

export interface Sent {
  body: OrderMessage;
  delaySeconds: number;
}

/**
 * `sleepInline`: steps may sleep through short throttles as the consumer's do (on our clock, so
 * no test waits); without it, every throttle ends the step.
 */
export function syncHarness(options: { start?: number; sleepInline?: boolean } = {}) {
  let clock = options.start ?? Date.now();
  const sleep = options.sleepInline ? async (ms: number) => void (clock += ms) : undefined;
  const sent: Sent[] = [];
  const queue = {
    send: async (body: OrderMessage, options?: { delaySeconds?: number }) => {
      sent.push({ body, delaySeconds: options?.delaySeconds ?? 0 });
    },
    sendBatch: async (messages: Iterable<{ body: OrderMessage; delaySeconds?: number }>) => {
      for (const message of messages) sent.push({ body: message.body, delaySeconds: message.delaySeconds ?? 0 });
    },
  } as unknown as Queue<OrderMessage>;
  const checked = readConfig(env);
  if (!checked.ok) throw new Error(checked.message);
  const services: Services = { ...buildServices(env, checked.config, () => clock), queue };

  return {
    services,
    sent,
    now: () => clock,
    advance(ms: number) {
      clock += ms;
    },
    /**
     * Runs queued stock-sync steps, each with `subrequests`, until none is left or `steps` have run,
     * waiting (on our clock) as long as each was delayed.
     */
    async drain(subrequests = 40, steps = Number.POSITIVE_INFINITY): Promise<StepResult[]> {
      const results: StepResult[] = [];
      while (sent.length && results.length < steps) {
        if (results.length >= 200) throw new Error("a run that does not end: more than 200 steps");
        const next = sent.shift()!;
        if (next.body.type !== "stock.sync") continue;
        clock += next.delaySeconds * 1000;
        results.push(await runStockSyncStep(services, next.body, { fetch: (input, init) => fetch(input, init), now: () => clock, subrequests, sleep }));
      }
      return results;
    },
  };
}

let warehouses = 0;

/** A warehouse of the test's own, so that other tests' products do not enter its runs. */
export async function warehouse(prefix: string): Promise<string> {
  const id = `${prefix}-${Date.now().toString(36)}-${(warehouses += 1)}`;
  const response = await api("/api/warehouses", { method: "POST", json: { id, name: id } });
  expect(response.status).toBe(201);
  return id;
}

/** Products with what is on hand in a warehouse. */
export async function stock(warehouseId: string, levels: Record<string, number>): Promise<void> {
  const csv = ["sku,name"];
  for (const sku of Object.keys(levels)) csv.push(`${sku},Product ${sku}`);
  const products = await api("/api/products/import", { method: "POST", body: csv.join("\n"), headers: { "content-type": "text/csv" } });
  expect(products.status, await products.clone().text()).toBeLessThan(300);
  const counts = ["sku,on_hand,warehouse", ...Object.entries(levels).map(([sku, onHand]) => `${sku},${onHand},${warehouseId}`)];
  const counted = await api("/api/stock/import", { method: "POST", body: counts.join("\n"), headers: { "content-type": "text/csv" } });
  expect(counted.status, await counted.clone().text()).toBe(200);
}

export async function syncSettings(channelId: string, settings: Record<string, unknown>) {
  const response = await api(`/api/channels/${channelId}/stock-sync/settings`, { method: "PUT", json: settings });
  expect(response.status, await response.clone().text()).toBe(200);
  return json(response);
}

export async function runDetail(channelId: string, syncId: string, query = "") {
  const response = await api(`/api/channels/${channelId}/stock-syncs/${syncId}${query}`);
  expect(response.status).toBe(200);
  return json(response);
}
