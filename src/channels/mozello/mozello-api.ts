/**
 * The Mozello Store API client the inbox needs: notification registration, recent orders, products
 * and stock. `Authorization: ApiKey <key>`; at most 5 requests a second (Mozello's stated limit), so
 * the client spaces its own requests (220 ms apart); 429/403/5xx are retried after Retry-After or with backoff.
 */
import { parseJsonLossless } from "../../lib/json";
import { retryAfterOf, retryBackoffMs, StoreApiError } from "../store-api-error";
import type { ChannelSource } from "../types";
import { MOZELLO_API, type MozelloSettings } from "./mozello-settings";

export interface MozelloClientOptions {
  apiKey: string;
  baseUrl?: string;
  fetch: typeof fetch;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  maxAttempts?: number;
}

export const NOTIFICATION_EVENTS = ["ORDER_CREATED", "PAYMENT_CHANGED", "DISPATCH_CHANGED", "ORDER_DELETED"] as const;
// 5 a second with a margin: a limit counted over any 1-second window can see 6 requests sent exactly 200 ms apart.
const MIN_SPACING_MS = 220;
/** Mozello's limit for one batch_update_by_sku request. */
export const MAX_STOCK_BATCH = 1000;

export interface MozelloStockResult {
  sku: string;
  /** Mozello named this SKU with `"error": false`. */
  ok: boolean;
  /** Mozello's answer did not say what became of this SKU (no `results[]`, or no entry for it). */
  unconfirmed?: boolean;
  /** Mozello's error_code (404: no product has this SKU). */
  code?: number;
  error?: string;
}
/**
 * The path (after the base URL) of a next-page link: Mozello's text calls it `next_page_link`, its
 * example shows a relative `next_page_uri`; either may be a full URL. A link off the API's base is
 * refused rather than followed, since the API key goes with every request.
 */
export function nextPath(base: string, link: string): string {
  if (/^https?:\/\//i.test(link)) {
    if (link.startsWith(`${base}/`)) return link.slice(base.length);
    throw new StoreApiError(`Mozello's next page link ${JSON.stringify(link.slice(0, 200))} is not under ${base}`, 502, null, false, null);
  }
  const basePath = new URL(base).pathname.replace(/\/+$/, "");
  if (basePath && link.startsWith(`${basePath}/store/`)) return link.slice(basePath.length);
  return link.startsWith("/") ? link : `/${link}`;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createMozelloClient(options: MozelloClientOptions) {
  const { apiKey, baseUrl = MOZELLO_API, fetch: fetchImpl, now = Date.now, sleep = realSleep, maxAttempts = 5 } = options;
  const base = baseUrl.replace(/\/+$/, "");
  let requests = 0;
  let lastRequestAt = Number.NEGATIVE_INFINITY;

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const wait = lastRequestAt + MIN_SPACING_MS - now();
      if (wait > 0) await sleep(wait);
      lastRequestAt = now();
      requests += 1;
      const response = await fetchImpl(`${base}${path}`, {
        method,
        headers: { authorization: `ApiKey ${apiKey}`, accept: "application/json", ...(body ? { "content-type": "application/json" } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      const parsed = (text ? parseJsonLossless(text) : {}) as { error?: boolean; error_message?: string; error_code?: unknown };
      if (response.ok && parsed.error !== true) return parsed as T;
      // Mozello may answer a burst with 403 instead of 429 (unconfirmed); both wait and retry.
      const retryable = response.status === 429 || response.status === 403 || response.status >= 500;
      const retryAfterMs = retryAfterOf(response.headers);
      if (!retryable || attempt >= maxAttempts) {
        throw new StoreApiError(`Mozello answered ${response.status}: ${parsed.error_message ?? text.slice(0, 200)}`, response.status, null, retryable, retryAfterMs);
      }
      await sleep(retryAfterMs ?? retryBackoffMs(attempt));
    }
  }

  return {
    get requests() {
      return requests;
    },

    /** Points the store's notifications at the inbox (the channel URI) for the events it uses; Mozello keeps one URL per store. */
    registerNotifications: (url: string) =>
      call("PUT", "/store/notifications/", { notifications_url: url, notifications_wanted: [...NOTIFICATION_EVENTS] }),

    notifications: () => call<{ notifications_url: string | null; notifications_wanted: string[] }>("GET", "/store/notifications/"),

    /**
     * Orders whose `field` (modified_at, or created_at) is at or after `since`, page by page. Mozello
     * lists archived orders only when asked (`archived=true`), so a sweep asks for each side.
     */
    async *orders(query: { field: "modified_at" | "created_at"; since: Date; archived: boolean }, pageSize = 100): AsyncGenerator<unknown[]> {
      const from = query.since.toISOString().slice(0, 19).replace("T", " ");
      let path: string | null =
        `/store/orders/?page_size=${pageSize}&archived=${query.archived}&filter=${encodeURIComponent(`${query.field}>=${from}`)}`;
      while (path) {
        const page: { orders?: unknown[]; next_page_uri?: string | null; next_page_link?: string | null } = await call("GET", path);
        yield page.orders ?? [];
        const next = page.next_page_link || page.next_page_uri || null;
        path = next ? nextPath(base, next) : null;
      }
    },

    /**
     * Sets stock by SKU, at most 1000 products a request. Each item's result comes from Mozello's
     * `results[]` (unconfirmed shape); an item the answer does not name, or an answer without the
     * list, is `unconfirmed`: Mozello may or may not have taken it, so it is never counted as set.
     */
    async updateStockBySku(items: Array<{ sku: string; stock: number }>): Promise<MozelloStockResult[]> {
      const results: MozelloStockResult[] = [];
      for (let start = 0; start < items.length; start += MAX_STOCK_BATCH) {
        const chunk = items.slice(start, start + MAX_STOCK_BATCH);
        const answer = await call<{ results?: unknown }>("POST", "/store/products/batch_update_by_sku/", { products: chunk });
        const bySku = new Map<string, MozelloStockResult>();
        if (Array.isArray(answer.results)) {
          for (const entry of answer.results as Array<{ sku?: unknown; error?: unknown; error_code?: unknown; error_message?: unknown }>) {
            if (typeof entry?.sku !== "string") continue;
            bySku.set(entry.sku, {
              sku: entry.sku,
              ok: entry.error === false,
              unconfirmed: entry.error !== true && entry.error !== false,
              code: entry.error_code === undefined || entry.error_code === null ? undefined : Number(entry.error_code),
              error: typeof entry.error_message === "string" ? entry.error_message : undefined,
            });
          }
        }
        for (const item of chunk) results.push(bySku.get(item.sku) ?? { sku: item.sku, ok: false, unconfirmed: true });
      }
      return results;
    },
  };
}

export type MozelloClient = ReturnType<typeof createMozelloClient>;

/** The client of a Mozello channel: its secret is the store's API key. */
export function mozelloClientOf(source: ChannelSource<MozelloSettings>, options: Partial<MozelloClientOptions> = {}) {
  return createMozelloClient({ apiKey: source.signingSecret ?? "", baseUrl: source.settings.api_url ?? MOZELLO_API, fetch: source.fetch, sleep: source.sleep, ...options });
}
