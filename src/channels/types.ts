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

/** A channel's type-specific settings as they are stored: every key optional (a channel can start with none). */
export type StoredSettings = Record<string, unknown>;

export interface ChannelConfig<Settings extends StoredSettings = StoredSettings> {
  id: string;
  type: ChannelType;
  /** Every active secret: a delivery signed with any of them is accepted (rotation). */
  secrets: Array<{ id: string; secret: string }>;
  settings: Settings;
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
export interface ChannelSettings<Settings extends StoredSettings = StoredSettings> {
  /**
   * Every key optional: a channel can start with none and get them later. A key's `.meta({ title })`
   * is what the dashboard's settings form calls it, in the store's words.
   */
  schema: (options: SettingsOptions) => z.ZodObject & { _zod: { output: Settings } };
  /** Keys that are credentials: stored sealed, never returned by the API. */
  sealed: readonly (keyof Settings & string)[];
  /** Keys that exist for tests (a fake store's address): never offered in the dashboard. */
  testOnly?: readonly (keyof Settings & string)[];
}

/**
 * One piece of a set-up step: plain words, or something the store's admin (or the inbox) shows by
 * name. The API renders the steps as text, the dashboard as HTML, from the same data.
 */
export type SetupPart =
  | string
  /** A path through the store's menus: Settings > Notifications > Webhooks. */
  | { menu: string[] }
  /** A button or link as the store names it. */
  | { button: string }
  /** A value to choose or type in the store ("Order creation"): quoted in text. */
  | { value: string }
  /** A literal: a header, an event name, a scope, a setting's key. */
  | { code: string }
  /** This channel's URI. */
  | { uri: true }
  /** The inbox's own "Connect to the store" (POST /api/channels/:id/connect). */
  | { connect: true };

export type SetupStep = SetupPart[];

/** What "send a test order" posts to the channel's URI: a sample as the store sends it, signed. */
export interface SampleDelivery {
  headers: Record<string, string>;
  body: string;
  /** The store's id of the sample order. */
  externalId: string;
}

export type TestOrderSource =
  /** Makes a new small, unpaid sample order (its own ids), signed with `secret` as the store signs. */
  | { sample(secret: string, now: number): Promise<SampleDelivery> }
  /** Why the inbox cannot make up a delivery that would pass (only the source can vouch for one). */
  | { unavailable: string };

export interface ChannelAdapter<Settings extends StoredSettings = StoredSettings> {
  type: ChannelType;
  /** The name the merchant knows the store by, and one line on what the channel takes. */
  name: string;
  description: string;
  /** Media types the channel's URI accepts; anything else is a 415. */
  mediaTypes: readonly string[];
  settings?: ChannelSettings<Settings>;
  /** The set-up steps as the merchant follows them in the store. */
  setup: readonly SetupStep[];
  testOrder: TestOrderSource;
  /**
   * What a channel that has not chosen its own automation does with its orders: "every-order" for
   * stores the inbox is linked to (WooCommerce Premium, Mozello), "by-hand" for the others.
   */
  automation: "every-order" | "by-hand";
  verify(request: InboundRequest, channel: ChannelConfig<Settings>): Promise<Verification>;
  parse(request: InboundRequest, channel: ChannelConfig<Settings>): Promise<ParseVerdict>;
}

/**
 * What code that talks to the store (a reconciler, a stock pusher, a confirmer, a store link) works
 * with: the channel's settings, its opened credentials, and I/O.
 */
export interface ChannelSource<Settings extends StoredSettings = StoredSettings> {
  settings: Settings;
  credentials: Record<string, string>;
  /** The channel's newest active secret: for Mozello it is the store's API key. */
  signingSecret: string | null;
  fetch: typeof fetch;
  /** When the work started (epoch ms): a sweep's window ends here. */
  now: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * How deliveries answered with `{ ok: "deferred" }` are confirmed, from the queue: asks the source
 * whether the delivery is genuine and returns what parse would have. Throws an error with
 * `retryable: true` when the source could not be asked; a rejection means it said no.
 */
export interface DeferredConfirmer<Settings extends StoredSettings = StoredSettings> {
  /** The channel's settings come with the channel, so the source here is only its credentials and I/O. */
  confirm(request: InboundRequest, channel: ChannelConfig<Settings>, source: Pick<ChannelSource, "credentials" | "fetch" | "now" | "sleep">): Promise<ParseVerdict>;
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
export interface Reconciler<Settings extends StoredSettings = StoredSettings> {
  canReconcile(settings: Settings, credentialKeys: string[]): boolean;
  arrivalsSince(source: ChannelSource<Settings>, since: Date): AsyncGenerator<ArrivalPage>;
  /** Checks (and repairs) the store's webhooks to this channel's URI token, where the store allows it. */
  maintain?(source: ChannelSource<Settings>, token: string): Promise<ChannelHealth>;
  /** How far back the store lets us read (Shopify: 60 days without read_all_orders). */
  maxLookbackMs: number;
  /** How much each sweep re-reads before the last one's start; stores that write late need more. */
  overlapMs?: number;
}

/**
 * How the inbox links a channel to its store's API, for stores where it does the set-up itself
 * (WooCommerce Premium installs its webhooks, Mozello registers for notifications). I/O, so it
 * lives beside the adapter in the channel kind, like the reconciler.
 */
export interface StoreLink<Settings extends StoredSettings = StoredSettings> {
  /** Null when the channel holds what connecting needs, else the conflict to answer. */
  cannotConnect(settings: Settings, credentialKeys: string[]): string | null;
  /**
   * Links the store to the channel's URI; idempotent. Throws what the store refused. `force`: the
   * merchant confirmed replacing what another app set up (Mozello keeps one notification URL).
   */
  connect(source: ChannelSource<Settings>, uri: string, options?: { force?: boolean }): Promise<StoreConnection>;
  /** Checks the channel's credentials against the store, without changing anything there. */
  testConnection?(source: ChannelSource<Settings>, token: string): Promise<ConnectionTest>;
}

export type StoreConnection =
  /** The inbox installed its webhooks: those it created now, and what the store reports of all of them. */
  | { created: Array<{ id: number | string; topic: string }>; health: ChannelHealth }
  /** The store will post its notifications to the channel's URI. */
  | { notifications: { notifications_url: string | null; notifications_wanted: string[] } };

export interface ConnectionTest {
  auth: { ok: true } | { ok: false; error: string };
  stock_management: string;
  webhooks: Array<{ topic: string; status: string }>;
}
