/**
 * The inbox's tables. Times are Unix epoch milliseconds (integers) so that ranges, sorting and
 * cursors are plain integer comparisons; the source's own ISO strings stay inside the order JSON.
 * Every idempotency rule is a UNIQUE index here, never a look-then-insert in code.
 */
import { sql } from "drizzle-orm";
import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const channels = sqliteTable(
  "channels",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    name: text("name").notNull(),
    /** The unguessable part of the channel URI (/in/<token>). */
    token: text("token").notNull(),
    /** active | disabled | deleted. Deleted channels keep their row so their URI can answer 410. */
    status: text("status").notNull().default("active"),
    /** Per-type settings as JSON (validated by the channel type's schema). */
    settings: text("settings").notNull().default("{}"),
    /** Per-type credentials (API tokens), sealed with SETTINGS_KEY; never returned by the API. */
    sealedSettings: text("sealed_settings"),
    /** The names of the credentials held in sealed_settings (JSON array), so they can be listed without opening them. */
    credentialKeys: text("credential_keys").notNull().default("[]"),
    /** Reconciliation: the source time the next sweep starts from (minus an overlap), and when it is due. */
    reconcileCursor: integer("reconcile_cursor"),
    reconcileDueAt: integer("reconcile_due_at"),
    /** What the last sweep found about the link to the store (its webhooks), as JSON. */
    health: text("health"),
    /** How orders of this channel become documents (documents/automation.ts), as JSON; null: the type's default. */
    automation: text("automation"),
    /** How stock is pushed to the store (stock/sync-settings.ts: schedule, warehouse, location), as JSON; null: never scheduled. */
    stockSync: text("stock_sync"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [uniqueIndex("channels_token_unique").on(table.token)],
);

export const channelSecrets = sqliteTable(
  "channel_secrets",
  {
    id: text("id").primaryKey(),
    channelId: text("channel_id")
      .notNull()
      .references(() => channels.id),
    /** Sealed with SETTINGS_KEY ("sealed:v1.…") when the Worker has one; see channels/channel-secrets.ts. */
    secret: text("secret").notNull(),
    /** The last four characters, to tell secrets apart without opening them. */
    hint: text("hint").notNull().default(""),
    createdAt: integer("created_at").notNull(),
    /** Set when rotated out; a revoked secret no longer verifies deliveries. */
    revokedAt: integer("revoked_at"),
  },
  (table) => [index("channel_secrets_channel").on(table.channelId)],
);

export const orders = sqliteTable(
  "orders",
  {
    id: text("id").primaryKey(),
    channelId: text("channel_id")
      .notNull()
      .references(() => channels.id),
    /** The store's own order id, always a string (some exceed 2^53). */
    externalId: text("external_id").notNull(),
    number: text("number"),
    currency: text("currency").notNull(),
    totalMinor: integer("total_minor").notNull(),
    financialStatus: text("financial_status").notNull(),
    customerName: text("customer_name"),
    customerEmail: text("customer_email"),
    placedAt: integer("placed_at").notNull(),
    /** The source's updated time of the state held in `data`: newer arrivals replace it, older ones don't. */
    sourceUpdatedAt: integer("source_updated_at").notNull(),
    /** The normalised order as last applied (JSON, the inbox's wire format). */
    data: text("data").notNull(),
    /** new | needs_attention | processed | ignored | cancelled */
    status: text("status").notNull().default("new"),
    warnings: text("warnings").notNull().default("[]"),
    /** Incremented on every applied change; processing catches up to it. */
    version: integer("version").notNull().default(1),
    processedVersion: integer("processed_version").notNull().default(0),
    /** The event that last changed `data`; lets one batch tell "applied" from "stale". */
    lastEventId: text("last_event_id").notNull(),
    processingAttempts: integer("processing_attempts").notNull().default(0),
    processingError: text("processing_error"),
    processingFailedAt: integer("processing_failed_at"),
    /**
     * Set in the same batch that records the review: the channel's automation (document, execution,
     * payment) is owed for this state. Cleared only once the automation has run to its end, so a
     * crash in between leaves the order where the sweep finds it.
     */
    automationDueAt: integer("automation_due_at"),
    queuedAt: integer("queued_at").notNull(),
    receivedAt: integer("received_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [
    uniqueIndex("orders_channel_external_unique").on(table.channelId, table.externalId),
    index("orders_placed").on(table.placedAt, table.id),
    index("orders_status_placed").on(table.status, table.placedAt),
    index("orders_unprocessed")
      .on(table.queuedAt)
      .where(sql`processed_version < version AND processing_failed_at IS NULL`),
    index("orders_automation_due").on(table.automationDueAt).where(sql`automation_due_at IS NOT NULL`),
  ],
);

export const orderEvents = sqliteTable(
  "order_events",
  {
    id: text("id").primaryKey(),
    orderId: text("order_id")
      .notNull()
      .references(() => orders.id),
    channelId: text("channel_id").notNull(),
    /** Idempotency key from the source (event id, content hash, ...) or from the inbox step. */
    key: text("key").notNull(),
    /** created | updated | stale | status_changed | ignored | restored | processing_failed | requeued */
    kind: text("kind").notNull(),
    deliveryId: text("delivery_id"),
    /** How an arrival came: "delivery" (a store posted it) or "reconciliation" (a sweep found it). */
    origin: text("origin"),
    sourceUpdatedAt: integer("source_updated_at"),
    /** Event details as JSON: the order snapshot that arrived, or the state change. */
    data: text("data"),
    at: integer("at").notNull(),
  },
  (table) => [
    uniqueIndex("order_events_channel_key_unique").on(table.channelId, table.key),
    index("order_events_order").on(table.orderId, table.at),
  ],
);

/**
 * Won disputes: money a reversal or chargeback had taken that came back (PayPal). Keyed by their own
 * transaction id; `refund_id` is the reversal (a row of refunds) it undoes, set once it is matched,
 * at most one won dispute per reversal.
 */
export const reinstatements = sqliteTable(
  "reinstatements",
  {
    id: text("id").primaryKey(),
    channelId: text("channel_id").notNull(),
    externalId: text("external_id").notNull(),
    parentExternalId: text("parent_external_id").notNull(),
    currency: text("currency").notNull(),
    amountMinor: integer("amount_minor").notNull(),
    data: text("data").notNull(),
    reinstatedAt: integer("reinstated_at").notNull(),
    refundId: text("refund_id"),
    deliveryId: text("delivery_id"),
    origin: text("origin").notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (table) => [
    uniqueIndex("reinstatements_channel_external_unique").on(table.channelId, table.externalId),
    uniqueIndex("reinstatements_refund_unique").on(table.refundId),
    index("reinstatements_parent").on(table.channelId, table.parentExternalId),
  ],
);

/**
 * Refunds as the store reported them. Keyed by the store's refund id, and tied to their order by
 * the store's order id, so a refund that arrives before its order is kept and found later.
 */
export const refunds = sqliteTable(
  "refunds",
  {
    id: text("id").primaryKey(),
    channelId: text("channel_id").notNull(),
    externalId: text("external_id").notNull(),
    orderExternalId: text("order_external_id").notNull(),
    currency: text("currency").notNull(),
    amountMinor: integer("amount_minor").notNull(),
    /** The normalised refund (JSON, money in minor units). */
    data: text("data").notNull(),
    refundedAt: integer("refunded_at").notNull(),
    deliveryId: text("delivery_id"),
    origin: text("origin").notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (table) => [
    uniqueIndex("refunds_channel_external_unique").on(table.channelId, table.externalId),
    index("refunds_order").on(table.channelId, table.orderExternalId),
  ],
);

/** One row per reconciliation sweep of a channel: what it asked the store and what it found. */
export const reconciliationRuns = sqliteTable(
  "reconciliation_runs",
  {
    id: text("id").primaryKey(),
    channelId: text("channel_id").notNull(),
    startedAt: integer("started_at").notNull(),
    finishedAt: integer("finished_at"),
    /** Orders updated at or after this time were asked for. */
    windowFrom: integer("window_from").notNull(),
    pages: integer("pages").notNull().default(0),
    requests: integer("requests").notNull().default(0),
    ordersSeen: integer("orders_seen").notNull().default(0),
    ordersCreated: integer("orders_created").notNull().default(0),
    ordersUpdated: integer("orders_updated").notNull().default(0),
    /** running | ok | failed */
    status: text("status").notNull(),
    error: text("error"),
  },
  (table) => [index("reconciliation_runs_channel").on(table.channelId, table.startedAt)],
);

export const deliveries = sqliteTable(
  "deliveries",
  {
    id: text("id").primaryKey(),
    /** Null when the token matched no channel. */
    channelId: text("channel_id"),
    receivedAt: integer("received_at").notNull(),
    /**
     * accepted | duplicate | stale | ignored | rejected, or pending while a delivery that can only be
     * verified by asking its source (PayPal) waits for that, and unverified when asking kept failing.
     */
    outcome: text("outcome").notNull(),
    httpStatus: integer("http_status").notNull(),
    errorCode: text("error_code"),
    reason: text("reason"),
    contentType: text("content_type"),
    /** The headers that matter for support (signature headers redacted to their presence). */
    headers: text("headers").notNull().default("{}"),
    body: text("body"),
    bodyBytes: integer("body_bytes").notNull().default(0),
    bodyPurgedAt: integer("body_purged_at"),
    /** The R2 object holding the raw body (gzip), once archived; the purge drops only archived bodies. */
    bodyArchiveKey: text("body_archive_key"),
    orderId: text("order_id"),
    eventId: text("event_id"),
    /** For pending deliveries: when the confirmation was last queued (the sweep re-queues lost ones). */
    confirmQueuedAt: integer("confirm_queued_at"),
  },
  (table) => [
    index("deliveries_received").on(table.receivedAt, table.id),
    index("deliveries_channel_received").on(table.channelId, table.receivedAt),
    index("deliveries_order").on(table.orderId),
    index("deliveries_body_retained").on(table.receivedAt).where(sql`body IS NOT NULL`),
    index("deliveries_body_unarchived").on(table.receivedAt).where(sql`body IS NOT NULL AND body_archive_key IS NULL`),
    index("deliveries_pending").on(table.receivedAt).where(sql`outcome = 'pending'`),
  ],
);

/** The merchant's customers, matched from orders or entered by hand. */
export const customers = sqliteTable(
  "customers",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** Lower case; matching is by exact address. */
    email: text("email"),
    vatNumber: text("vat_number"),
    company: text("company"),
    phone: text("phone"),
    /** The billing address last used (JSON), for documents made by hand. */
    address: text("address"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [index("customers_email").on(table.email), index("customers_vat").on(table.vatNumber)],
);

/** Which customer a channel's own customer id stands for: the first and surest match. */
export const customerLinks = sqliteTable(
  "customer_links",
  {
    channelId: text("channel_id").notNull(),
    externalId: text("external_id").notNull(),
    customerId: text("customer_id").notNull(),
  },
  (table) => [uniqueIndex("customer_links_unique").on(table.channelId, table.externalId)],
);

/** Products by SKU: what a document line refers to, and what stock moves. */
export const products = sqliteTable(
  "products",
  {
    id: text("id").primaryKey(),
    sku: text("sku").notNull(),
    name: text("name").notNull(),
    /** A price for documents made by hand; documents from orders use the order's prices. */
    unitPriceMinor: integer("unit_price_minor"),
    currency: text("currency"),
    taxRate: text("tax_rate"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [uniqueIndex("products_sku_unique").on(table.sku)],
);

/** One numbering series per document type, prefix and year; numbers are given out without gaps. */
export const documentSeries = sqliteTable("document_series", {
  /** "<type>:<prefix>:<year>", e.g. "invoice:INV:2026". */
  key: text("key").primaryKey(),
  lastNumber: integer("last_number").notNull(),
});

/**
 * Sales documents: invoices, sales orders and credit notes. A document is created as a draft from
 * one source (an order, a refund, a cancellation: `source_key`, UNIQUE), gets its number when it is
 * executed (so cancelled drafts leave no gaps), and is immutable from then on.
 */
export const documents = sqliteTable(
  "documents",
  {
    id: text("id").primaryKey(),
    /** invoice | order | credit_note */
    type: text("type").notNull(),
    /** draft | executed | cancelled */
    status: text("status").notNull(),
    /** "INV-2026-00042"; null while a draft. */
    number: text("number"),
    /** "order:<order id>", "refund:<refund id>" or "cancel:<order id>": one document per source. */
    sourceKey: text("source_key").notNull(),
    orderId: text("order_id"),
    channelId: text("channel_id"),
    customerId: text("customer_id"),
    /** For a credit note: the document it credits. */
    creditOf: text("credit_of"),
    currency: text("currency").notNull(),
    subtotalMinor: integer("subtotal_minor").notNull(),
    taxMinor: integer("tax_minor").notNull(),
    totalMinor: integer("total_minor").notNull(),
    /** Lines, addresses and what was matched (JSON, documents/document.ts). */
    data: text("data").notNull(),
    /** Why the document is held in draft (the guard's findings), JSON array; empty when clean. */
    problems: text("problems").notNull().default("[]"),
    createdAt: integer("created_at").notNull(),
    executedAt: integer("executed_at"),
    cancelledAt: integer("cancelled_at"),
    /**
     * What the document says as issued, fixed when it is executed (JSON, documents/issued.ts): the
     * seller as the company profile stood then, its dates, the VAT summary per rate and its amounts
     * in the base currency at the stored rate. Null while a draft: changing the profile later never
     * changes an issued document.
     */
    issued: text("issued"),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [
    uniqueIndex("documents_source_unique").on(table.sourceKey),
    uniqueIndex("documents_number_unique").on(table.number),
    index("documents_order").on(table.orderId),
    index("documents_created").on(table.createdAt, table.id),
  ],
);

/** Stock that left (negative) or came back (positive) when a document was executed. */
export const stockMovements = sqliteTable(
  "stock_movements",
  {
    id: text("id").primaryKey(),
    documentId: text("document_id").notNull(),
    lineIndex: integer("line_index").notNull(),
    productId: text("product_id").notNull(),
    /** Executed documents move stock in the default warehouse (the only one, to start). */
    warehouseId: text("warehouse_id").notNull().default("main"),
    quantity: real("quantity").notNull(),
    at: integer("at").notNull(),
  },
  (table) => [uniqueIndex("stock_movements_line_unique").on(table.documentId, table.lineIndex), index("stock_movements_product").on(table.productId)],
);

/** Where stock is kept. One default warehouse ("main") to start; the ledger allows more. */
export const warehouses = sqliteTable("warehouses", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: integer("created_at").notNull(),
});

/**
 * The ledger's other half: stock set or corrected by hand or by an import (a count), as the change
 * it made. A product's balance in a warehouse is the sum of its movements and adjustments.
 */
export const stockAdjustments = sqliteTable(
  "stock_adjustments",
  {
    id: text("id").primaryKey(),
    productId: text("product_id").notNull(),
    warehouseId: text("warehouse_id").notNull(),
    /** The change (positive or negative); a count of 7 when 5 were held is +2. */
    quantity: real("quantity").notNull(),
    /** What the person or file said the stock is, after this adjustment. */
    countedOnHand: real("counted_on_hand"),
    reason: text("reason").notNull(),
    at: integer("at").notNull(),
  },
  (table) => [index("stock_adjustments_product").on(table.productId, table.warehouseId)],
);

/**
 * One stock push to a channel's store: asked by hand ("sync now") or by the channel's schedule. The
 * work is its items; each queue message (a step) pushes as many as one Worker invocation's
 * subrequests allow, then queues the next step.
 */
export const stockSyncs = sqliteTable(
  "stock_syncs",
  {
    id: text("id").primaryKey(),
    channelId: text("channel_id").notNull(),
    /** full (every SKU) | changes (what differs from the last successful push) */
    mode: text("mode").notNull(),
    /** manual | schedule */
    trigger: text("trigger").notNull(),
    /** A scheduled run's minute ("2026-11-28T10:15"): one run per channel per minute, however often the cron fires. */
    slot: text("slot"),
    warehouseId: text("warehouse_id").notNull(),
    /** planning | running | succeeded | partial | failed */
    status: text("status").notNull(),
    requestedAt: integer("requested_at").notNull(),
    finishedAt: integer("finished_at"),
    /** The step the next queue message must carry; a message for another step is a duplicate. */
    step: integer("step").notNull().default(0),
    /** While a step runs: until when it holds the run. */
    leaseUntil: integer("lease_until"),
    /** When the current step's message was due: the minute cron re-queues a run stuck past it. */
    stepDueAt: integer("step_due_at").notNull(),
    itemsPlanned: integer("items_planned").notNull().default(0),
    /** SKUs left out because the store is known not to have them (a full run asks again). */
    itemsSkipped: integer("items_skipped").notNull().default(0),
    itemsSucceeded: integer("items_succeeded").notNull().default(0),
    itemsFailed: integer("items_failed").notNull().default(0),
    /** HTTP requests made to the store, retries included, and queue messages (Worker invocations) used. */
    requests: integer("requests").notNull().default(0),
    invocations: integer("invocations").notNull().default(0),
    /** What the run worked out before pushing (Shopify's location), as JSON. */
    context: text("context"),
    /** Quantities clamped to what the store accepts, as JSON [{sku, available, sent}]. */
    warnings: text("warnings").notNull().default("[]"),
    /** Why the whole run failed (not an item's reason). */
    error: text("error"),
  },
  (table) => [
    index("stock_syncs_channel").on(table.channelId, table.requestedAt),
    uniqueIndex("stock_syncs_slot").on(table.channelId, table.slot).where(sql`slot IS NOT NULL`),
    // At most one run in progress per channel: two would race on the same SKUs.
    uniqueIndex("stock_syncs_active").on(table.channelId).where(sql`status IN ('planning', 'running')`),
    index("stock_syncs_in_progress").on(table.status, table.stepDueAt).where(sql`status IN ('planning', 'running')`),
  ],
);

/** What a run pushes, SKU by SKU, and how each went. */
export const stockSyncItems = sqliteTable(
  "stock_sync_items",
  {
    syncId: text("sync_id").notNull(),
    sku: text("sku").notNull(),
    /** The whole, non-negative quantity sent (available, clamped). */
    quantity: integer("quantity").notNull(),
    /** pending | succeeded | failed */
    status: text("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at").notNull().default(0),
    /** The store's reason, for a failed item (or the last retried one). */
    error: text("error"),
  },
  (table) => [
    uniqueIndex("stock_sync_items_pk").on(table.syncId, table.sku),
    index("stock_sync_items_due").on(table.syncId, table.status, table.nextAttemptAt),
  ],
);

/** The last quantity each channel's store accepted for a SKU: what a "changes" run compares with. */
export const stockPushed = sqliteTable(
  "stock_pushed",
  {
    channelId: text("channel_id").notNull(),
    sku: text("sku").notNull(),
    quantity: integer("quantity").notNull(),
    pushedAt: integer("pushed_at").notNull(),
    syncId: text("sync_id").notNull(),
  },
  (table) => [uniqueIndex("stock_pushed_pk").on(table.channelId, table.sku), index("stock_pushed_sku").on(table.sku)],
);

/**
 * Where a SKU lives in a channel's store (WooCommerce product or variation id, Shopify inventory
 * item), fetched once and kept; a null ref means the store had no such SKU when last asked.
 */
export const storeProducts = sqliteTable(
  "store_products",
  {
    channelId: text("channel_id").notNull(),
    sku: text("sku").notNull(),
    ref: text("ref"),
    fetchedAt: integer("fetched_at").notNull(),
  },
  (table) => [uniqueIndex("store_products_pk").on(table.channelId, table.sku)],
);

/** Money received for a document (payment) or paid back (refund); one per source transaction. */
export const payments = sqliteTable(
  "payments",
  {
    id: text("id").primaryKey(),
    /** payment | refund */
    kind: text("kind").notNull(),
    /** "payment:<channel id>:<transaction id>" or "refund:<channel id>:<refund id>". */
    sourceKey: text("source_key").notNull(),
    documentId: text("document_id").notNull(),
    orderId: text("order_id"),
    channelId: text("channel_id"),
    amountMinor: integer("amount_minor").notNull(),
    currency: text("currency").notNull(),
    paidAt: integer("paid_at").notNull(),
    method: text("method"),
    /** The money account it went into or out of (the channel's mapping of the payment method). */
    account: text("account").notNull(),
    /** The store's transaction id. */
    reference: text("reference"),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [uniqueIndex("payments_source_unique").on(table.sourceKey), index("payments_document").on(table.documentId)],
);

/**
 * The company the inbox keeps the books of: one row (`id` = "company"). What documents say about
 * the seller is copied from it when they are executed (documents.issued), never read back later.
 */
export const companyProfile = sqliteTable("company_profile", {
  id: text("id").primaryKey(),
  /** The profile (JSON, company/profile.ts): names, numbers, address, bank accounts, terms, locale. */
  data: text("data").notNull(),
  /** The R2 key of the logo (ARCHIVE bucket), with its media type; null without a logo. */
  logoKey: text("logo_key"),
  logoType: text("logo_type"),
  updatedAt: integer("updated_at").notNull(),
});

/** Tax codes: (country of taxation, rate, kind) → the code and label a bookkeeper reports. */
export const taxCodes = sqliteTable(
  "tax_codes",
  {
    id: text("id").primaryKey(),
    /** "PVN21", "OSS-DE-19", "RC-EU-0", "EXPORT-0". */
    code: text("code").notNull(),
    label: text("label").notNull(),
    /** domestic | oss | reverse_charge | export | exempt */
    kind: text("kind").notNull(),
    /** ISO country of taxation; "" for kinds that have none (reverse charge, export). */
    country: text("country").notNull(),
    /** The rate as a decimal string ("21", "5.5"), normalised (no trailing zeros). */
    rate: text("rate").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [uniqueIndex("tax_codes_code_unique").on(table.code), uniqueIndex("tax_codes_key_unique").on(table.kind, table.country, table.rate)],
);

/** The European Central Bank's daily reference rates: units of `currency` per 1 EUR on `date`. */
export const exchangeRates = sqliteTable(
  "exchange_rates",
  {
    /** YYYY-MM-DD, the ECB's reference date. */
    date: text("date").notNull(),
    currency: text("currency").notNull(),
    /** Decimal string as the ECB publishes it ("11.4930"). */
    perEur: text("per_eur").notNull(),
    fetchedAt: integer("fetched_at").notNull(),
  },
  (table) => [uniqueIndex("exchange_rates_date_currency").on(table.currency, table.date)],
);

/** VIES answers for buyers' VAT numbers, kept as evidence of the reverse charge. */
export const vatChecks = sqliteTable("vat_checks", {
  /** Country prefix and number, upper case, no spaces ("FR40303265045"). */
  vatNumber: text("vat_number").primaryKey(),
  /** valid | invalid | unavailable */
  result: text("result").notNull(),
  name: text("name"),
  address: text("address"),
  /** VIES's own request identifier, when it gave one. */
  requestId: text("request_id"),
  checkedAt: integer("checked_at").notNull(),
});

/** Each time a document was sent (or tried) by e-mail. */
export const documentEmails = sqliteTable(
  "document_emails",
  {
    id: text("id").primaryKey(),
    documentId: text("document_id").notNull(),
    /** "auto:<document id>" for the automatic send, "hand:<request id>" for one by hand. */
    sendKey: text("send_key").notNull(),
    recipient: text("recipient").notNull(),
    /** queued | sent | failed */
    status: text("status").notNull(),
    attempts: integer("attempts").notNull().default(0),
    error: text("error"),
    createdAt: integer("created_at").notNull(),
    sentAt: integer("sent_at"),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [uniqueIndex("document_emails_send_key").on(table.sendKey), index("document_emails_document").on(table.documentId, table.createdAt)],
);

/** The people who work the inbox. Nobody is deleted: a person who leaves is disabled, so the audit trail keeps their name. */
export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    /** Lower case; what Cloudflare Access names them by and what they sign in with. */
    email: text("email").notNull(),
    name: text("name").notNull(),
    /** owner | bookkeeper | operator | viewer */
    role: text("role").notNull(),
    /** "pbkdf2-sha256$<iterations>$<salt>$<hash>"; null for someone who signs in only through Access. */
    passwordHash: text("password_hash"),
    disabledAt: integer("disabled_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [uniqueIndex("users_email").on(table.email)],
);

/** Signed-in dashboard sessions. The cookie holds a random token; only its SHA-256 is stored, so the table cannot sign anyone in. */
export const userSessions = sqliteTable(
  "user_sessions",
  {
    /** Hex SHA-256 of the session token. */
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (table) => [index("user_sessions_user").on(table.userId)],
);

/** Failed sign-ins, counted per e-mail and per address to slow down guessing; kept a day. */
export const signInFailures = sqliteTable(
  "sign_in_failures",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    ip: text("ip").notNull(),
    at: integer("at").notNull(),
  },
  (table) => [index("sign_in_failures_email").on(table.email, table.at), index("sign_in_failures_ip").on(table.ip, table.at)],
);

/** Keys for integrations: shown once when made, stored as a SHA-256 hash, known afterwards by their prefix. */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** The key's first characters ("sik_AbCd1234"), enough to tell keys apart in a list. */
    prefix: text("prefix").notNull(),
    /** Hex SHA-256 of the whole key. */
    keyHash: text("key_hash").notNull(),
    /** A role's powers, or else the scopes listed (JSON array). */
    role: text("role"),
    scopes: text("scopes"),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at"),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
  },
  (table) => [uniqueIndex("api_keys_hash").on(table.keyHash)],
);

/**
 * Who changed what, when: one row per change a person, a key or the system made. Append-only;
 * triggers in the migration refuse UPDATE and DELETE, so nobody (not even an owner) can edit it.
 */
export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: text("id").primaryKey(),
    at: integer("at").notNull(),
    /** user | key | admin_token | system */
    actorKind: text("actor_kind").notNull(),
    /** The user's or key's id; for the system, what did the work (automation, sweep, cron). */
    actorId: text("actor_id").notNull(),
    /** The name as it was then, so a renamed or disabled person still reads right. */
    actorName: text("actor_name").notNull(),
    /** "order.ignore", "document.credit", "channel.secret_add", … */
    action: text("action").notNull(),
    /** order | document | channel | user | api_key | company | … */
    subjectType: text("subject_type"),
    subjectId: text("subject_id"),
    summary: text("summary").notNull(),
    /** JSON { before, after } of the fields that changed, where it matters. */
    changes: text("changes"),
  },
  (table) => [
    index("audit_events_at").on(table.at, table.id),
    index("audit_events_subject").on(table.subjectType, table.subjectId, table.at),
    index("audit_events_actor").on(table.actorId, table.at),
  ],
);

export type ChannelRow = typeof channels.$inferSelect;
export type ChannelSecretRow = typeof channelSecrets.$inferSelect;
export type OrderRow = typeof orders.$inferSelect;
export type OrderEventRow = typeof orderEvents.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;
export type RefundRow = typeof refunds.$inferSelect;
export type ReconciliationRunRow = typeof reconciliationRuns.$inferSelect;
export type CustomerRow = typeof customers.$inferSelect;
export type ProductRow = typeof products.$inferSelect;
export type DocumentRow = typeof documents.$inferSelect;
export type PaymentRow = typeof payments.$inferSelect;
export type StockSyncRow = typeof stockSyncs.$inferSelect;
export type CompanyProfileRow = typeof companyProfile.$inferSelect;
export type TaxCodeRow = typeof taxCodes.$inferSelect;
export type ExchangeRateRow = typeof exchangeRates.$inferSelect;
export type UserRow = typeof users.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type AuditEventRow = typeof auditEvents.$inferSelect;
export type VatCheckRow = typeof vatChecks.$inferSelect;
export type DocumentEmailRow = typeof documentEmails.$inferSelect;
