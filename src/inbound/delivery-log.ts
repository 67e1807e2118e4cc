/**
 * What the delivery log keeps of a request's headers: the ones that help support, never a
 * credential or personal data. The log itself is written through the delivery store.
 */

// paypal-*: PayPal's webhook transmission headers, which a deferred verification reads back.
const KEPT_HEADERS = /^(content-type|content-length|user-agent|x-[a-z0-9-]+|paypal-[a-z0-9-]+)$/;
// Personal data and anything that looks like a credential stays out of the log.
const NEVER_KEPT = /^(x-forwarded-for|x-real-ip)$|authorization|cookie|token|secret|password|api-?key/;
const HEADER_VALUE_LIMIT = 512;

/** The headers worth keeping with a delivery; credentials never reach the log. */
export function headersOfInterest(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (KEPT_HEADERS.test(name) && !NEVER_KEPT.test(name)) kept[name] = value.slice(0, HEADER_VALUE_LIMIT);
  });
  return kept;
}
