/**
 * The PayPal calls the inbox makes: an OAuth token (client credentials), Transaction Search, an
 * Orders v2 look-up, the IPN postback and the webhook certificate. Fetch is injected; 429 and 5xx
 * are retried after Retry-After or with backoff, an expired token is renewed once.
 */
import { parseJsonLossless } from "../../lib/json";
import { toBase64, utf8 } from "../../lib/encoding";
import { retryAfterOf, retryBackoffMs, StoreApiError } from "../store-api-error";
import type { PayPalEndpoints } from "./paypal-settings";

/** PayPal's Monday quirk: recent windows are refused for a few hours; it means "no data yet". */
export const NOT_AVAILABLE_YET = /data for the given start date is not available/i;

/**
 * Whether Transaction Search said "no data for this window yet" rather than failed: the
 * "not available" message as 400 (the Monday quirk) or 404 (any day the start lies after
 * `last_refreshed_datetime`), or a 404 INVALID_RESOURCE_ID, which PayPal documents as "not found but
 * may be available in the future". A search names no resource, so its 404 can mean nothing else.
 */
export function notAvailableYet(error: StoreApiError): boolean {
  if ((error.status === 400 || error.status === 404) && NOT_AVAILABLE_YET.test(error.message)) return true;
  return error.status === 404 && error.code === "INVALID_RESOURCE_ID";
}

export interface PayPalClientOptions {
  endpoints: PayPalEndpoints;
  clientId?: string;
  clientSecret?: string;
  fetch: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  maxAttempts?: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface PayPalErrorBody {
  name?: string;
  message?: string;
  error?: string;
  error_description?: string;
  details?: Array<{ issue?: string; description?: string }>;
}

const describe = (body: PayPalErrorBody, text: string) =>
  body.message ?? body.error_description ?? body.details?.[0]?.description ?? (text.slice(0, 200) || "(no body)");

export function createPayPalClient(options: PayPalClientOptions) {
  const { endpoints, clientId, clientSecret, fetch: fetchImpl, sleep = realSleep, now = Date.now, maxAttempts = 5 } = options;
  let requests = 0;
  let token: { value: string; expiresAt: number } | null = null;

  async function send(url: string, init: RequestInit): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      requests += 1;
      const response = await fetchImpl(url, init);
      if (response.status !== 429 && response.status < 500) return response;
      if (attempt >= maxAttempts) return response;
      await response.text();
      await sleep(retryAfterOf(response.headers) ?? retryBackoffMs(attempt));
    }
  }

  async function accessToken(renew = false): Promise<{ value: string }> {
    if (token && !renew && token.expiresAt > now()) return token;
    if (!clientId || !clientSecret) {
      throw new StoreApiError("The channel has no PayPal client_id and client_secret", 401, "missing_credentials", false);
    }
    const response = await send(`${endpoints.api}/v1/oauth2/token`, {
      method: "POST",
      headers: {
        authorization: `Basic ${toBase64(utf8.encode(`${clientId}:${clientSecret}`))}`,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: "grant_type=client_credentials",
    });
    const text = await response.text();
    const body = (text ? safeJson(text) : {}) as PayPalErrorBody & { access_token?: string; expires_in?: number };
    if (!response.ok || !body.access_token) {
      const message = response.status === 401 ? "PayPal refused the client id and secret" : `PayPal's token endpoint answered ${response.status}`;
      throw new StoreApiError(`${message}: ${describe(body, text)}`, response.status, body.error ?? body.name ?? null, response.status === 429 || response.status >= 500);
    }
    // Renew a minute early, so a token never expires between the check and the call.
    token = { value: body.access_token, expiresAt: now() + (Number(body.expires_in ?? 300) - 60) * 1000 };
    return token;
  }

  async function getJson(path: string): Promise<{ status: number; body: unknown; text: string }> {
    for (let renewed = false; ; renewed = true) {
      const { value } = await accessToken(renewed);
      const response = await send(`${endpoints.api}${path}`, { headers: { authorization: `Bearer ${value}`, accept: "application/json" } });
      const text = await response.text();
      if (response.status === 401 && !renewed) continue;
      return { status: response.status, body: text ? safeJson(text) : {}, text };
    }
  }

  const failure = (what: string, result: { status: number; body: unknown; text: string }) => {
    const body = result.body as PayPalErrorBody;
    return new StoreApiError(
      `${what}: PayPal answered ${result.status}: ${describe(body, result.text)}`,
      result.status,
      body.name ?? body.error ?? null,
      result.status === 429 || result.status >= 500,
    );
  };

  return {
    get requests() {
      return requests;
    },

    /** One page of Transaction Search with every field; the window must be at most 31 days. */
    async searchTransactions(start: Date, end: Date, page: number, pageSize = 500): Promise<unknown> {
      const query = new URLSearchParams({
        start_date: start.toISOString().replace(/\.\d{3}Z$/, "Z"),
        end_date: end.toISOString().replace(/\.\d{3}Z$/, "Z"),
        fields: "all",
        page_size: String(pageSize),
        page: String(page),
      });
      const result = await getJson(`/v1/reporting/transactions?${query}`);
      if (result.status === 200) return result.body;
      throw failure("Transaction Search", result);
    },

    /** An Orders v2 order, or null when PayPal does not know it. */
    async checkoutOrder(id: string): Promise<unknown | null> {
      const result = await getJson(`/v2/checkout/orders/${encodeURIComponent(id)}`);
      if (result.status === 200) return result.body;
      if (result.status === 404) return null;
      throw failure(`Order ${id}`, result);
    },

    /** Posts an IPN back untouched; PayPal says VERIFIED or INVALID, anything else is worth a retry. */
    async validateIpn(body: Uint8Array): Promise<"VERIFIED" | "INVALID"> {
      const prefix = utf8.encode("cmd=_notify-validate&");
      const payload = new Uint8Array(prefix.length + body.length);
      payload.set(prefix);
      payload.set(body, prefix.length);
      const response = await send(endpoints.ipnVerify, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": "sales-inbox-ipn-verifier" },
        body: payload,
      });
      const text = (await response.text()).trim();
      if (response.ok && (text === "VERIFIED" || text === "INVALID")) return text;
      throw new StoreApiError(`PayPal's IPN postback answered ${response.status} "${text.slice(0, 60)}"`, response.status, null, true);
    },

    /** The PEM text at an (already allow-listed) certificate URL. */
    async certificate(url: string): Promise<string> {
      const response = await send(url, { headers: { accept: "*/*" } });
      const text = await response.text();
      if (response.ok) return text;
      throw new StoreApiError(`PayPal's certificate at ${url} answered ${response.status}`, response.status, null, response.status === 429 || response.status >= 500);
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return parseJsonLossless(text);
  } catch {
    return {};
  }
}

export type PayPalClient = ReturnType<typeof createPayPalClient>;
