/**
 * The Shopify Admin REST client the inbox needs: list orders updated since a time, following
 * Link-header cursor pagination. `fetch`, the base URL and the sleep are injected, so tests point
 * it at a fake shop. It paces itself by X-Shopify-Shop-Api-Call-Limit (a leaky bucket: 40
 * requests, 2 leak per second on standard plans) and honours 429 + Retry-After (seconds, possibly
 * fractional), retrying 5xx with backoff.
 */
import { parseJsonLossless } from "../../lib/json";
import { retryAfterOf, retryBackoffMs, StoreApiError } from "../store-api-error";
import type { ChannelSource } from "../types";
import { DEFAULT_API_VERSION, type ShopifySettings } from "./shopify-settings";

/** How both Admin API clients (orders over REST, inventory over GraphQL) reach the shop. */
export interface ShopifyClientOptions {
  /** https://<shop>.myshopify.com (or a fake shop in tests). */
  baseUrl: string;
  accessToken: string;
  /** The channel's `api_version` ("2026-07"), or "unstable". */
  apiVersion: string;
  fetch: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Attempts per request before giving up on 429 or 5xx. */
  maxAttempts?: number;
}

export function shopBaseUrl(shopDomain: string): string {
  // A full URL only passes settings validation where plain-HTTP stores are allowed (tests).
  return /^https?:\/\//.test(shopDomain) ? shopDomain.replace(/\/$/, "") : `https://${shopDomain}`;
}

/** A Shopify channel's shop, token and API version, as the clients take them. */
export function shopifyClientOptions(source: ChannelSource<ShopifySettings>, maxAttempts?: number): ShopifyClientOptions {
  return {
    baseUrl: shopBaseUrl(String(source.settings.shop_domain)),
    accessToken: source.credentials.access_token,
    apiVersion: source.settings.api_version ?? DEFAULT_API_VERSION,
    fetch: source.fetch,
    sleep: source.sleep,
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
  };
}

export interface OrdersPage {
  /** Orders as Shopify sent them, numbers kept as their exact text. */
  orders: unknown[];
  /** HTTP requests this page took, retries included. */
  requests: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createShopifyClient(options: ShopifyClientOptions) {
  const { baseUrl, accessToken, apiVersion, fetch: fetchImpl, sleep = realSleep, maxAttempts = 6 } = options;

  async function get(url: string): Promise<{ response: Response; body: string; requests: number }> {
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await fetchImpl(url, { headers: { "x-shopify-access-token": accessToken, accept: "application/json" } });
      } catch (error) {
        if (attempt >= maxAttempts) throw new StoreApiError(`Shopify could not be reached: ${(error as Error).message}`, 0, null, true);
        await sleep(retryBackoffMs(attempt));
        continue;
      }
      const body = await response.text();
      if (response.ok) {
        await paceByCallLimit(response.headers.get("x-shopify-shop-api-call-limit"));
        return { response, body, requests: attempt };
      }
      const retryable = response.status === 429 || response.status >= 500;
      if (!retryable || attempt >= maxAttempts) {
        throw new StoreApiError(`Shopify answered ${response.status}: ${errorText(body)}`, response.status, null, retryable);
      }
      await sleep(retryAfterOf(response.headers) ?? retryBackoffMs(attempt));
    }
  }

  /** When the bucket is nearly full, wait for one request to leak out instead of hitting 429. */
  async function paceByCallLimit(header: string | null) {
    const match = header ? /^(\d+)\/(\d+)$/.exec(header.trim()) : null;
    if (match && Number(match[1]) >= Number(match[2]) - 1) await sleep(500);
  }

  return {
    /** Every order (any status) updated at or after `since`, a page at a time, oldest first. */
    async *ordersUpdatedSince(since: Date, pageSize = 250): AsyncGenerator<OrdersPage> {
      const query = new URLSearchParams({ status: "any", updated_at_min: since.toISOString(), limit: String(pageSize) });
      let url: string | null = `${baseUrl}/admin/api/${apiVersion}/orders.json?${query}`;
      while (url) {
        const { response, body, requests } = await get(url);
        const parsed = parseJsonLossless(body) as { orders?: unknown[] };
        if (!Array.isArray(parsed?.orders)) throw new StoreApiError("Shopify's orders answer had no orders list", response.status, null, false);
        yield { orders: parsed.orders, requests };
        url = nextLink(response.headers.get("link"));
      }
    },
  };
}

/** The rel="next" URL of a Link header, if any. */
export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(",")) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match) return match[1];
  }
  return null;
}

/** The `errors` of a Shopify error answer, or the start of its body. */
export function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { errors?: unknown };
    return typeof parsed.errors === "string" ? parsed.errors : JSON.stringify(parsed.errors ?? parsed);
  } catch {
    return body.slice(0, 200);
  }
}
