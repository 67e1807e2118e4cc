/**
 * The contract every channel adapter implements. An adapter is pure: it turns a request's raw
 * bytes and the channel's configuration into a verdict, and does no I/O (no fetch, no D1, no
 * clock of its own). The inbound route does the storing; outbound calls live in a channel's client.
 */
import type { z } from "zod";
import type { ErrorCode } from "../lib/errors";
import type { Arrival } from "../orders/arrival";

export const CHANNEL_TYPES = ["connect", "shopify", "woocommerce", "woocommerce-premium", "paypal", "mozello"] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export interface InboundRequest {
  /** Lower-case header names. */
  headers: Headers;
  /** The body exactly as received: signatures are computed over these bytes. */
  body: Uint8Array;
  /** The media type without parameters, lower case ("application/json"). */
  mediaType: string;
  /** When the inbox received the request (epoch ms), for signature time windows. */
  receivedAt: number;
}

export interface ChannelConfig {
  id: string;
  type: ChannelType;
  /** Every active secret: a delivery signed with any of them is accepted (rotation). */
  secrets: Array<{ id: string; secret: string }>;
  settings: Record<string, unknown>;
}

/** Why a delivery was refused; the HTTP status follows from the code. */
export interface Rejection {
  code: ErrorCode;
  message: string;
  problems?: Array<{ field: string; message: string }>;
}

export type Verification =
  | { ok: true; secretId: string | null }
  | { ok: false; rejection: Rejection }
  /**
   * Only the source can say whether the delivery is genuine (PayPal's IPN postback, a certificate
   * to fetch): the inbox stores it, answers 2xx, and a queued confirmation decides (see DeferredConfirmer).
   */
  | { ok: "deferred" };

export type ParseVerdict =
  /** What one delivery carried: usually one order; a WooCommerce order also brings its refunds. */
  | { kind: "arrivals"; arrivals: [Arrival, ...Arrival[]] }
  /** Acknowledged (2xx) and logged, but nothing to store: a ping, a topic we don't use. */
  | { kind: "ignored"; reason: string }
  | { kind: "rejected"; rejection: Rejection };

export interface SettingsOptions {
  /** Allows plain-HTTP store URLs (a fake store in tests); never in production. */
  allowInsecureStoreUrls: boolean;
}

/** Settings a channel of a type takes besides its name and secret. */
export interface ChannelSettings {
  /** Every key optional: a channel can start with none and get them later. */
  schema: (options: SettingsOptions) => z.ZodObject;
  /** Keys that are credentials: stored sealed, never returned by the API. */
  sealed: readonly string[];
}

export interface ChannelAdapter {
  type: ChannelType;
  /** Media types the channel's URI accepts; anything else is a 415. */
  mediaTypes: readonly string[];
  settings?: ChannelSettings;
  /** The set-up steps as the merchant follows them in the store, with the channel's URI filled in. */
  setup(uri: string): string[];
  verify(request: InboundRequest, channel: ChannelConfig): Promise<Verification>;
  parse(request: InboundRequest, channel: ChannelConfig): Promise<ParseVerdict>;
}

/** What a deferred confirmation may use: the channel's opened credentials and I/O. */
export interface ConfirmSource {
  credentials: Record<string, string>;
  fetch: typeof fetch;
  now: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * How deliveries answered with `{ ok: "deferred" }` are confirmed, from the queue: asks the source
 * whether the delivery is genuine and returns what parse would have. Throws an error with
 * `retryable: true` when the source could not be asked; a rejection means it said no.
 */
export interface DeferredConfirmer {
  confirm(request: InboundRequest, channel: ChannelConfig, source: ConfirmSource): Promise<ParseVerdict>;
}

/** What a sweep hands a reconciler: the channel's settings, its opened credentials, and I/O. */
export interface ReconcileSource {
  settings: Record<string, unknown>;
  credentials: Record<string, string>;
  /** The channel's newest active secret: for Mozello it is the store's API key. */
  signingSecret: string | null;
  fetch: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** When the sweep started (epoch ms): the end of the window it reads. */
  now?: number;
}

export interface ArrivalPage {
  arrivals: Arrival[];
  /** Orders the store returned that could not be read, with why. */
  unreadable: Array<{ externalId: string; reason: string }>;
  /** HTTP requests this page took, retries included. */
  requests: number;
  /**
   * The next sweep must start no later than this (epoch ms): the source's data is not complete past
   * it yet (PayPal's last_refreshed_datetime), or a pending payment there must stay in view.
   */
  holdCursorAt?: number;
}

/** What a sweep found out about the channel's link to the store besides its orders. */
export interface ChannelHealth {
  checked_at: string;
  webhooks: Array<{ id: number | string; topic: string; status: string }>;
  /** Webhooks the store had disabled (after failed deliveries) and the sweep switched back on. */
  reactivated: Array<{ id: number | string; topic: string }>;
}

/**
 * How a channel type is reconciled: asked for its recent orders through the store's API, so that
 * orders whose webhook never came still appear. This is I/O, so it lives beside the adapter, not in it.
 */
export interface Reconciler {
  canReconcile(settings: Record<string, unknown>, credentialKeys: string[]): boolean;
  arrivalsSince(source: ReconcileSource, since: Date): AsyncGenerator<ArrivalPage>;
  /** Checks (and repairs) the store's webhooks to this channel's URI token, where the store allows it. */
  maintain?(source: ReconcileSource, token: string): Promise<ChannelHealth>;
  /** How far back the store lets us read (Shopify: 60 days without read_all_orders). */
  maxLookbackMs: number;
  /** How much each sweep re-reads before the last one's start; stores that write late need more. */
  overlapMs?: number;
}
