/** A store's API refused or failed a request. `retryable` says whether trying later can help. */
export class StoreApiError extends Error {
  override name = "StoreApiError";
  constructor(
    message: string,
    readonly status: number,
    /** The platform's own error code, where it sends one (WooCommerce's "woocommerce_rest_…"). */
    readonly code: string | null,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}
