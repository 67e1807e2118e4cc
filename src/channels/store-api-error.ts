/** A store's API refused or failed a request. `retryable` says whether trying later can help. */
export class StoreApiError extends Error {
  override name = "StoreApiError";
  constructor(
    message: string,
    readonly status: number,
    /** The platform's own error code, where it sends one (WooCommerce's "woocommerce_rest_…"). */
    readonly code: string | null,
    readonly retryable: boolean,
    /** How long the store asked us to wait (Retry-After), when it said. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

/** Retry-After in milliseconds: seconds (Shopify sends fractions, "2.0") or an HTTP date; null when absent or unreadable. */
export function retryAfterOf(headers: Headers, now = Date.now()): number | null {
  const value = headers.get("retry-after")?.trim();
  if (!value) return null;
  const seconds = Number.parseFloat(value);
  if (/^\d+(\.\d+)?$/.test(value) && Number.isFinite(seconds)) return Math.ceil(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** How long a store client waits before its next attempt when the store did not say: 1 s, 2 s, 4 s, … up to 30 s. */
export const retryBackoffMs = (attempt: number) => Math.min(1000 * 2 ** (attempt - 1), 30_000);
