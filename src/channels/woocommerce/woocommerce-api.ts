/**
 * The WooCommerce REST client (wc/v3) the inbox needs: orders modified since a time, one order, products by
 * SKU (variations included), batch product and variation updates (at most 100 items a request),
 * order status and notes, and the store's webhooks. `fetch`, the clock, the nonce source and the
 * sleep are injected, so tests point it at a fake store.
 *
 * Authentication follows WooCommerce: HTTP Basic with the consumer key and secret over HTTPS;
 * over plain HTTP, where WooCommerce refuses Basic, one-legged OAuth 1.0a (HMAC-SHA256) in the
 * query string. 429 waits for Retry-After; 429 and 5xx are retried with backoff.
 */
import { toBase64, utf8 } from "../../lib/encoding";
import { parseJsonLossless } from "../../lib/json";
import { retryAfterOf, retryBackoffMs, StoreApiError } from "../store-api-error";
import type { ChannelSource } from "../types";
import type { WooPremiumSettings } from "./woocommerce-settings";

export interface WooClientOptions {
  storeUrl: string;
  consumerKey: string;
  consumerSecret: string;
  fetch: typeof fetch;
  now?: () => number;
  nonce?: () => string;
  sleep?: (ms: number) => Promise<void>;
  maxAttempts?: number;
}

/** WooCommerce's own limit for one batch request (filter woocommerce_rest_batch_items_limit). */
export const BATCH_LIMIT = 100;

export interface WooWebhook {
  id: number;
  name?: string;
  topic: string;
  delivery_url: string;
  status: string;
}

export interface WooProduct {
  id: number;
  sku: string;
  type?: string;
  parent_id?: number;
  manage_stock?: boolean;
  stock_quantity?: number | null;
}

export interface StockUpdate {
  id: number;
  /** Set for a variation: its product's id. */
  parentId?: number;
  stockQuantity: number;
}

export interface BatchItemResult {
  id: number;
  ok: boolean;
  error?: string;
  /** WooCommerce's code for the item's error ("woocommerce_rest_product_invalid_id"). */
  code?: string;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const randomNonce = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");

/** RFC 3986 percent-encoding, as OAuth 1.0a requires (encodeURIComponent leaves !'()* alone). */
export const oauthEncode = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Signs a request the way WooCommerce checks it (class-wc-rest-authentication.php): the base
 * string is METHOD & enc(URL without query) & enc(sorted "key=value" pairs of every query
 * parameter and oauth_* parameter, each encoded, joined by &), keyed with "<consumer secret>&".
 */
export async function oauthQuery(
  method: string,
  url: URL,
  consumerKey: string,
  consumerSecret: string,
  timestamp: number,
  nonce: string,
): Promise<URLSearchParams> {
  const params: Array<[string, string]> = [...url.searchParams.entries()];
  params.push(
    ["oauth_consumer_key", consumerKey],
    ["oauth_nonce", nonce],
    ["oauth_signature_method", "HMAC-SHA256"],
    ["oauth_timestamp", String(timestamp)],
  );
  const encoded = params.map(([key, value]) => [oauthEncode(key), oauthEncode(value)] as const);
  encoded.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const base = `${method.toUpperCase()}&${oauthEncode(`${url.origin}${url.pathname}`)}&${oauthEncode(encoded.map(([key, value]) => `${key}=${value}`).join("&"))}`;
  const key = await crypto.subtle.importKey("raw", utf8.encode(`${consumerSecret}&`), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signature = toBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8.encode(base))));
  const query = new URLSearchParams(url.searchParams);
  for (const [name, value] of params.slice(-4)) query.set(name, value);
  query.set("oauth_signature", signature);
  return query;
}

export function createWooClient(options: WooClientOptions) {
  const { storeUrl, consumerKey, consumerSecret, fetch: fetchImpl, now = Date.now, nonce = randomNonce, sleep = realSleep, maxAttempts = 5 } = options;
  const base = `${storeUrl.replace(/\/+$/, "")}/wp-json/wc/v3`;
  const secure = storeUrl.startsWith("https://");
  let requests = 0;

  async function call<T>(
    method: string,
    path: string,
    init: { query?: Record<string, string>; body?: unknown; parse?: (text: string) => unknown } = {},
  ): Promise<{ data: T; headers: Headers }> {
    for (let attempt = 1; ; attempt++) {
      const url = new URL(`${base}${path}`);
      for (const [name, value] of Object.entries(init.query ?? {})) url.searchParams.set(name, value);
      const headers: Record<string, string> = { accept: "application/json" };
      if (init.body !== undefined) headers["content-type"] = "application/json";
      if (secure) {
        headers.authorization = `Basic ${toBase64(utf8.encode(`${consumerKey}:${consumerSecret}`))}`;
      } else {
        // A fresh nonce and timestamp each attempt: WooCommerce refuses a nonce it has seen.
        url.search = (await oauthQuery(method, url, consumerKey, consumerSecret, Math.floor(now() / 1000), nonce())).toString();
      }
      requests += 1;
      let response: Response;
      try {
        response = await fetchImpl(url.toString(), { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
      } catch (error) {
        if (attempt >= maxAttempts) throw new StoreApiError(`The store could not be reached: ${(error as Error).message}`, 0, null, true);
        await sleep(retryBackoffMs(attempt));
        continue;
      }
      const text = await response.text();
      if (response.ok) return { data: (text ? (init.parse ?? JSON.parse)(text) : null) as T, headers: response.headers };
      const retryable = response.status === 429 || response.status >= 500;
      const retryAfterMs = retryAfterOf(response.headers);
      if (!retryable || attempt >= maxAttempts) {
        const { code, message } = errorOf(text);
        throw new StoreApiError(`WooCommerce answered ${response.status}${code ? ` ${code}` : ""}: ${message}`, response.status, code, retryable, retryAfterMs);
      }
      await sleep(retryAfterMs ?? retryBackoffMs(attempt));
    }
  }

  return {
    /** HTTP requests made so far, retries included. */
    get requests() {
      return requests;
    },

    /** Every order modified at or after `since` (GMT), a page at a time, oldest change first. */
    async *ordersModifiedSince(since: Date, perPage = 100): AsyncGenerator<{ orders: unknown[]; page: number; totalPages: number }> {
      for (let page = 1, totalPages = 1; page <= totalPages; page++) {
        const { data, headers } = await call<unknown>("GET", "/orders", {
          query: {
            modified_after: since.toISOString().replace(/\.\d{3}Z$/, ""),
            dates_are_gmt: "true",
            orderby: "modified",
            order: "asc",
            status: "any",
            per_page: String(perPage),
            page: String(page),
          },
          // Orders are read like webhooks: every number as its exact text.
          parse: parseJsonLossless,
        });
        totalPages = Number(headers.get("x-wp-totalpages") ?? "1") || 1;
        yield { orders: Array.isArray(data) ? data : [], page, totalPages };
      }
    },

    /** One order as it is now (the trash included), read like a webhook: every number as its exact text. */
    async order(orderId: string): Promise<unknown> {
      const { data } = await call<unknown>("GET", `/orders/${encodeURIComponent(orderId)}`, { parse: parseJsonLossless });
      return data;
    },

    /** Products and variations whose SKU is one of these (exact match), one request per 100 SKUs. */
    async productsBySku(skus: string[]): Promise<WooProduct[]> {
      const found: WooProduct[] = [];
      for (let start = 0; start < skus.length; start += BATCH_LIMIT) {
        const chunk = skus.slice(start, start + BATCH_LIMIT);
        // per_page 100 (WooCommerce's maximum) holds every match of 100 distinct SKUs.
        const { data } = await call<WooProduct[]>("GET", "/products", { query: { sku: chunk.join(","), per_page: String(BATCH_LIMIT) } });
        found.push(...data);
      }
      return found;
    },

    /**
     * Sets stock quantities, at most 100 items a request, products and each product's variations
     * through their own batch endpoints. Per-item errors come back inside a 200 answer.
     */
    async updateStock(updates: StockUpdate[]): Promise<BatchItemResult[]> {
      const groups = new Map<string, StockUpdate[]>();
      for (const update of updates) {
        const path = update.parentId ? `/products/${update.parentId}/variations/batch` : "/products/batch";
        groups.set(path, [...(groups.get(path) ?? []), update]);
      }
      const results: BatchItemResult[] = [];
      for (const [path, group] of groups) {
        for (let start = 0; start < group.length; start += BATCH_LIMIT) {
          const items = group.slice(start, start + BATCH_LIMIT).map((update) => ({ id: update.id, manage_stock: true, stock_quantity: update.stockQuantity }));
          const { data } = await call<{ update?: Array<{ id: number; error?: { code?: string; message?: string } }> }>("POST", path, { body: { update: items } });
          for (const item of data.update ?? []) results.push({ id: item.id, ok: !item.error, error: item.error?.message, code: item.error?.code });
        }
      }
      return results;
    },

    async updateOrderStatus(orderId: string, status: string): Promise<void> {
      await call("PUT", `/orders/${orderId}`, { body: { status } });
    },

    async addOrderNote(orderId: string, note: string, customerNote = false): Promise<void> {
      await call("POST", `/orders/${orderId}/notes`, { body: { note, customer_note: customerNote } });
    },

    async webhooks(): Promise<WooWebhook[]> {
      const { data } = await call<WooWebhook[]>("GET", "/webhooks", { query: { per_page: "100" } });
      return data;
    },

    async createWebhook(webhook: { name: string; topic: string; delivery_url: string; secret: string }): Promise<WooWebhook> {
      const { data } = await call<WooWebhook>("POST", "/webhooks", { body: { ...webhook, status: "active" } });
      return data;
    },

    async activateWebhook(id: number): Promise<WooWebhook> {
      const { data } = await call<WooWebhook>("PUT", `/webhooks/${id}`, { body: { status: "active" } });
      return data;
    },

    /** Whether the store-wide "Enable stock management" is on (without it, stock writes are ignored). */
    async stockManagementEnabled(): Promise<boolean> {
      const { data } = await call<{ value?: string }>("GET", "/settings/products/woocommerce_manage_stock");
      return data.value === "yes";
    },
  };
}

export type WooClient = ReturnType<typeof createWooClient>;

function errorOf(text: string): { code: string | null; message: string } {
  try {
    const parsed = JSON.parse(text) as { code?: string; message?: string };
    return { code: parsed.code ?? null, message: parsed.message ?? text.slice(0, 200) };
  } catch {
    return { code: null, message: text.slice(0, 200) };
  }
}

/** The client of a WooCommerce Premium channel, from its store URL and REST API keys. */
export function wooClientOf(source: ChannelSource<WooPremiumSettings>, options: Partial<WooClientOptions> = {}) {
  return createWooClient({
    storeUrl: String(source.settings.store_url),
    consumerKey: source.credentials.consumer_key,
    consumerSecret: source.credentials.consumer_secret,
    fetch: source.fetch,
    sleep: source.sleep,
    ...options,
  });
}
