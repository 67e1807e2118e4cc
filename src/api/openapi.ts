/**
 * GET /api/openapi.json — an OpenAPI 3.1 description generated from the same zod schemas that
 * validate requests and from the routes the app serves, so the document cannot drift from what the
 * code accepts: the paths come from `app.routes`, each looked up here by method and path.
 */
import { z } from "zod";
import { orderWireSchema } from "../orders/order";
import { refundWireSchema } from "../orders/refund";
import { channelSchema, secretSchema } from "./channels";
import { channelCreateSchema, channelUpdateSchema, secretCreateSchema } from "../channels/channel-admin";
import { customerSchema, productSchema } from "../catalog/catalog-wire";
import { customerAddressSchema, customerCreateSchema, customerUpdateSchema } from "../catalog/customers";
import { companyProfileSchema, companyProfileUpdateSchema } from "../company/profile";
import { MAX_IMPORT_BYTES, MAX_IMPORT_ROWS } from "../catalog/product-import";
import { productCreateSchema, productUpdateSchema } from "../catalog/products";
import { customerListQuery } from "./customers";
import { deliveryDetailSchema, deliveryListQuery, deliverySummarySchema } from "../inbound/delivery-wire";
import { automationSchema } from "../documents/automation";
import { manualPaymentSchema } from "../documents/document-actions";
import { documentSchema, paymentSchema } from "../documents/document-wire";
import { emailRequestSchema } from "../documents/document-email";
import { documentListQuery, paymentListQuery } from "./documents";
import { stockLevelSchema, stockListQuery, stockSetSchema, warehouseCreateSchema } from "./stock";
import { stockSyncItemsQuery, stockSyncListQuery } from "./stock-syncs";
import { stockSyncRequestSchema } from "../stock/sync-run";
import { stockSyncSettingsBody } from "../stock/sync-channel";
import { bulkProcessSchema, orderListQuery, processOptionsSchema } from "./orders";
import { inboxOrderSchema, orderEventSchema } from "../orders/order-wire";
import { productImportResultSchema, productListQuery } from "./products";
import { exchangeRateQuery, exchangeRateSchema, ratesFetchedSchema, ratesFetchSchema } from "./exchange-rates";
import { taxCodeCreateSchema, taxCodeSchema, taxCodeUpdateSchema } from "../company/tax-codes";
import { taxCodeSeedResultSchema } from "./tax-codes";
import { POLICY } from "../guard/policy";
import { newApiKeySchema } from "../people/api-keys";
import { auditFilterSchema } from "../people/audit-log";
import { ROLES, SCOPES } from "../people/roles";
import { newUserSchema, userChangeSchema } from "../people/users";

const errorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: "Machine-readable, e.g. signature_mismatch, validation_failed" }),
      message: z.string().meta({ description: "What went wrong and what to do, for a person" }),
      problems: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: "Error" });

const inboundAnswerSchema = z
  .object({
    order_id: z.string().nullable(),
    duplicate: z.boolean(),
    stale: z.boolean().optional().meta({ description: "The arrival was older than the state held and changed nothing" }),
    ignored: z.string().optional().meta({ description: "Why a delivery was acknowledged without storing an order" }),
  })
  .meta({ id: "InboundAnswer" });

const reconciliationReportSchema = z
  .object({
    orders: z.object({ total: z.number().int(), seen_by_webhook: z.number().int(), found_only_by_reconciliation: z.number().int() }),
    runs: z.array(
      z.object({
        id: z.string(),
        started_at: z.string(),
        finished_at: z.string().nullable(),
        window_from: z.string().meta({ description: "Orders updated at or after this time were asked for" }),
        status: z.enum(["running", "ok", "failed"]),
        pages: z.number().int(),
        requests: z.number().int(),
        orders_seen: z.number().int(),
        orders_created: z.number().int(),
        orders_updated: z.number().int(),
        error: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: "ReconciliationReport" });

/** The profile as GET /api/company answers it: with where its logo is and when it last changed. */
const companyProfileViewSchema = companyProfileSchema
  .extend({
    logo: z.object({ type: z.string(), url: z.string() }).nullable(),
    updated_at: z.number().int().nullable().meta({ description: "When the profile last changed (epoch ms); null when never saved" }),
  })
  .meta({ id: "CompanyProfileView" });

const documentEmailSchema = z
  .object({
    id: z.string(),
    document_id: z.string(),
    to: z.string(),
    status: z.enum(["queued", "sending", "sent", "failed"]).meta({ description: "queued: waiting (or waiting to retry: error says why the last attempt failed); failed: given up, with the reason" }),
    attempts: z.number().int(),
    error: z.string().nullable(),
    created_at: z.string(),
    sent_at: z.string().nullable(),
  })
  .meta({ id: "DocumentEmail" });

const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    signs_in_with_password: z.boolean(),
    disabled: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "User" });

const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().meta({ description: "The key's first characters, to tell keys apart" }),
    role: z.enum(ROLES).nullable(),
    scopes: z.array(z.enum(SCOPES)),
    created_by: z.string(),
    created_at: z.string(),
    expires_at: z.string().nullable(),
    last_used_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
    status: z.enum(["active", "expired", "revoked"]),
  })
  .meta({ id: "ApiKey" });

const auditEntrySchema = z
  .object({
    id: z.string(),
    at: z.string(),
    actor: z.object({ kind: z.enum(["user", "key", "admin_token", "system"]), id: z.string(), name: z.string(), label: z.string() }),
    action: z.string().meta({ description: "order.ignore, document.credit, channel.secret_add, …" }),
    subject_type: z.string().nullable(),
    subject_id: z.string().nullable(),
    summary: z.string(),
    changes: z.object({ before: z.unknown(), after: z.unknown() }).nullable(),
  })
  .meta({ id: "AuditEntry" });

const meSchema = z
  .object({ kind: z.enum(["user", "key", "admin_token"]), id: z.string(), name: z.string(), role: z.enum(ROLES).nullable(), scopes: z.array(z.enum(SCOPES)) })
  .meta({ id: "Me" });

const schemas = {
  User: userSchema,
  UserCreate: newUserSchema,
  UserChange: userChangeSchema,
  ApiKey: apiKeySchema,
  ApiKeyCreate: newApiKeySchema,
  AuditEntry: auditEntrySchema,
  Me: meSchema,
  DocumentEmail: documentEmailSchema,
  DocumentEmailRequest: emailRequestSchema,
  Order: orderWireSchema,
  InboxOrder: inboxOrderSchema,
  OrderEvent: orderEventSchema,
  Channel: channelSchema,
  ChannelCreate: channelCreateSchema,
  ChannelUpdate: channelUpdateSchema,
  Secret: secretSchema,
  SecretCreate: secretCreateSchema,
  Delivery: deliverySummarySchema,
  DeliveryDetail: deliveryDetailSchema,
  Refund: refundWireSchema,
  ReconciliationReport: reconciliationReportSchema,
  InboundAnswer: inboundAnswerSchema,
  Customer: customerSchema,
  CustomerCreate: customerCreateSchema,
  CustomerUpdate: customerUpdateSchema,
  CustomerAddress: customerAddressSchema,
  Product: productSchema,
  ProductCreate: productCreateSchema,
  ProductUpdate: productUpdateSchema,
  ProductImportResult: productImportResultSchema,
  Document: documentSchema,
  Payment: paymentSchema,
  PaymentCreate: manualPaymentSchema,
  Automation: automationSchema,
  StockSyncRequest: stockSyncRequestSchema,
  StockSyncSettings: stockSyncSettingsBody,
  StockLevel: stockLevelSchema,
  StockSet: stockSetSchema,
  WarehouseCreate: warehouseCreateSchema,
  ProcessOptions: processOptionsSchema,
  BulkProcess: bulkProcessSchema,
  CompanyProfileView: companyProfileViewSchema,
  CompanyProfileUpdate: companyProfileUpdateSchema,
  ExchangeRate: exchangeRateSchema,
  ExchangeRatesFetch: ratesFetchSchema,
  ExchangeRatesFetched: ratesFetchedSchema,
  TaxCode: taxCodeSchema,
  TaxCodeCreate: taxCodeCreateSchema,
  TaxCodeUpdate: taxCodeUpdateSchema,
  TaxCodeSeedResult: taxCodeSeedResultSchema,
  Error: errorSchema,
};

const ref = (name: keyof typeof schemas) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ "application/json": { schema } });
/** Error answers; every operation behind a key may also answer 403, when the key's scopes do not cover it. */
const errors = (...statuses: number[]) =>
  Object.fromEntries(
    [...statuses, ...(statuses.includes(401) ? [403] : [])].sort().map((status) => [String(status), { description: "Error", content: json(ref("Error")) }]),
  );
const page = (name: keyof typeof schemas) => ({
  type: "object",
  properties: { items: { type: "array", items: ref(name) }, next_cursor: { type: ["string", "null"] } },
  required: ["items", "next_cursor"],
});
const idParam = (name: string) => ({ name, in: "path", required: true, schema: { type: "string" } });

function queryParameters(schema: z.ZodObject) {
  const properties = (z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as { properties: Record<string, object> }).properties;
  return Object.entries(properties).map(([name, property]) => ({ name, in: "query", required: false, schema: property }));
}

function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, {
    io: "input",
    unrepresentable: "any",
    target: "draft-2020-12",
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Record<string, unknown>> };
  for (const schema of Object.values(generated.schemas)) {
    delete schema.$schema;
    delete schema.$id;
  }
  return generated.schemas;
}

type Operation = { operationId: string; summary: string; [field: string]: unknown };

/**
 * Every documented operation, keyed by METHOD and OpenAPI path. The paths themselves come from the
 * routes the app serves (see `routeDrift`): an entry here without a served route, or a served API
 * route without an entry here, is an error. `operationId`s are stable names for client generators:
 * never rename one.
 */
const operations: Record<string, Operation> = {
  "POST /in/{token}": {
    operationId: "deliverOrder",
    summary: "Deliver an order to a channel (Connect format shown; other channels take their platform's webhook)",
    security: [],
    parameters: [
      idParam("token"),
      { name: "X-Inbox-Signature", in: "header", required: true, schema: { type: "string" }, example: "t=1764325200,v1=5f2b…" },
    ],
    requestBody: {
      required: true,
      content: { ...json(ref("Order")), "application/xml": { schema: ref("Order") } },
    },
    responses: {
      "202": { description: "Stored and queued for processing", content: json(ref("InboundAnswer")) },
      "200": { description: "Already stored (duplicate), older than the state held (stale), or ignored", content: json(ref("InboundAnswer")) },
      ...errors(400, 401, 403, 404, 410, 413, 415, 503),
    },
  },
  "GET /api/channels": {
    operationId: "listChannels",
    summary: "List channels",
    responses: { "200": { description: "Channels", content: json({ type: "object", properties: { items: { type: "array", items: ref("Channel") } } }) }, ...errors(401) },
  },
  "POST /api/channels": {
    operationId: "createChannel",
    summary: "Create a channel; the answer holds its URI and its whole secret",
    requestBody: { required: true, content: json(ref("ChannelCreate")) },
    responses: { "201": { description: "Created", content: json(ref("Channel")) }, ...errors(400, 401) },
  },
  "GET /api/channels/{id}": {
    operationId: "getChannel",
    summary: "Read a channel",
    responses: { "200": { description: "The channel", content: json(ref("Channel")) }, ...errors(401, 404) },
  },
  "PATCH /api/channels/{id}": {
    operationId: "updateChannel",
    summary: "Rename, disable or enable a channel",
    requestBody: { required: true, content: json(ref("ChannelUpdate")) },
    responses: { "200": { description: "Updated", content: json(ref("Channel")) }, ...errors(400, 401, 404, 410) },
  },
  "DELETE /api/channels/{id}": {
    operationId: "deleteChannel",
    summary: "Delete a channel: its URI answers 410 from then on",
    responses: { "204": { description: "Deleted" }, ...errors(401, 404) },
  },
  "POST /api/channels/{id}/secrets": {
    operationId: "addChannelSecret",
    summary: "Add a secret (rotation): both old and new verify until the old one is revoked",
    requestBody: { content: json(ref("SecretCreate")) },
    responses: { "201": { description: "The new secret, shown whole this once", content: json(ref("Secret")) }, ...errors(400, 401, 404, 410) },
  },
  "POST /api/channels/{id}/reconcile": {
    operationId: "reconcileChannel",
    summary: "Sweep the store for missed orders now (channels holding the store's API credentials)",
    responses: { "202": { description: "Queued" }, ...errors(401, 404, 409) },
  },
  "GET /api/channels/{id}/reconciliation": {
    operationId: "getReconciliationReport",
    summary: "Recent sweeps, and how many orders came by webhook versus only by a sweep",
    responses: { "200": { description: "The report", content: json(ref("ReconciliationReport")) }, ...errors(401, 404) },
  },
  "POST /api/channels/{id}/connect": {
    operationId: "connectStore",
    summary:
      "WooCommerce Premium: create the inbox's webhooks in the store and switch on any that are off; Mozello: register the channel URI for notifications (409 notification_url_taken when another address is set there: send {\"force\": true} to replace it)",
    responses: { "200": { description: "What was created, and the webhooks' state" }, ...errors(401, 404, 409, 502) },
  },
  "POST /api/channels/{id}/test-connection": {
    operationId: "testStoreConnection",
    summary: "WooCommerce Premium: check the credentials, the store's stock management and the webhooks",
    responses: { "200": { description: "What works" }, ...errors(401, 404, 409) },
  },
  "DELETE /api/channels/{id}/secrets/{secretId}": {
    operationId: "revokeChannelSecret",
    summary: "Revoke a secret",
    responses: { "204": { description: "Revoked" }, ...errors(401, 404, 409) },
  },
  "GET /api/orders": {
    operationId: "listOrders",
    summary: "Find orders, newest placed first",
    parameters: queryParameters(orderListQuery),
    responses: { "200": { description: "A page of orders", content: json(page("InboxOrder")) }, ...errors(400, 401) },
  },
  "GET /api/orders/{id}": {
    operationId: "getOrder",
    summary: "Read an order with its timeline and deliveries",
    responses: {
      "200": {
        description: "The order",
        content: json({
          allOf: [
            ref("InboxOrder"),
            {
              type: "object",
              properties: { timeline: { type: "array", items: ref("OrderEvent") }, deliveries: { type: "array", items: ref("Delivery") } },
            },
          ],
        }),
      },
      ...errors(401, 404),
    },
  },
  "POST /api/orders/{id}/ignore": {
    operationId: "ignoreOrder",
    summary: "Set an order aside",
    responses: { "200": { description: "Ignored", content: json(ref("InboxOrder")) }, ...errors(401, 404, 409) },
  },
  "POST /api/orders/{id}/restore": {
    operationId: "restoreOrder",
    summary: "Bring an ignored order back",
    responses: { "200": { description: "Restored", content: json(ref("InboxOrder")) }, ...errors(401, 404, 409) },
  },
  "POST /api/orders/{id}/reprocess": {
    operationId: "reprocessOrder",
    summary: "Queue an unprocessed (e.g. failed) order again",
    responses: { "202": { description: "Queued", content: json(ref("InboxOrder")) }, ...errors(401, 404, 409) },
  },
  "POST /api/channels/{id}/stock-sync": {
    operationId: "startStockSync",
    summary: "Sync now: push available stock (on hand minus reserved) to the store, every SKU or only the changes; the run goes through the queue",
    requestBody: { content: json(ref("StockSyncRequest")) },
    responses: { "202": { description: "The run, planning" }, ...errors(400, 401, 404, 409) },
  },
  "GET /api/channels/{id}/stock-sync/settings": {
    operationId: "getStockSyncSettings",
    summary: "The stock-sync schedule (off, every N minutes or a cron expression in UTC), warehouse and location",
    responses: { "200": { description: "The settings" }, ...errors(401, 404) },
  },
  "PUT /api/channels/{id}/stock-sync/settings": {
    operationId: "updateStockSyncSettings",
    summary: "Change some stock-sync settings; the rest keep their values",
    requestBody: { content: json(ref("StockSyncSettings")) },
    responses: { "200": { description: "The settings now" }, ...errors(400, 401, 404, 409) },
  },
  "GET /api/channels/{id}/stock-syncs": {
    operationId: "listStockSyncs",
    summary: "The channel's stock-sync runs, newest first",
    parameters: queryParameters(stockSyncListQuery),
    responses: { "200": { description: "A page of runs" }, ...errors(400, 401, 404) },
  },
  "GET /api/channels/{id}/stock-syncs/{syncId}": {
    operationId: "getStockSync",
    summary: "One run with its items: what was sent, what the store accepted, and its reason for what it refused",
    parameters: queryParameters(stockSyncItemsQuery),
    responses: { "200": { description: "The run and a page of its items" }, ...errors(400, 401, 404) },
  },
  "GET /api/channels/{id}/stock-pushed": {
    operationId: "listStockPushed",
    summary: "The quantity the store last accepted, per SKU",
    parameters: queryParameters(stockSyncItemsQuery.omit({ status: true })),
    responses: { "200": { description: "A page of SKUs" }, ...errors(400, 401, 404) },
  },
  "GET /api/channels/{id}/automation": {
    operationId: "getAutomation",
    summary: "How the channel's orders become documents (its switches, or its type's default)",
    responses: { "200": { description: "The automation", content: json(ref("Automation")) }, ...errors(401, 404) },
  },
  "PUT /api/channels/{id}/automation": {
    operationId: "updateAutomation",
    summary: "Change some switches or mappings; the others keep their values",
    requestBody: { content: json(ref("Automation")) },
    responses: { "200": { description: "The automation now", content: json(ref("Automation")) }, ...errors(400, 401, 404) },
  },
  "POST /api/orders/{id}/preview": {
    operationId: "previewOrderDocument",
    summary: "The document processing would create, its comparison with the store's total and the mappings used; writes nothing",
    responses: { "200": { description: "The preview" }, ...errors(401, 404) },
  },
  "POST /api/orders/{id}/process": {
    operationId: "processOrder",
    summary: "Create (or bring up to date) the order's document; options override the channel's switches",
    requestBody: { content: json(ref("ProcessOptions")) },
    responses: { "200": { description: "The document, payment and credit notes" }, ...errors(400, 401, 404) },
  },
  "POST /api/orders/process": {
    operationId: "processOrders",
    summary: "Process many orders, each on its own",
    requestBody: { content: json(ref("BulkProcess")) },
    responses: { "200": { description: "One result per order" }, ...errors(400, 401) },
  },
  "GET /api/documents": {
    operationId: "listDocuments",
    summary: "Sales documents, newest first",
    parameters: queryParameters(documentListQuery),
    responses: { "200": { description: "A page of documents", content: json(page("Document")) }, ...errors(400, 401) },
  },
  "GET /api/documents/export.csv": {
    operationId: "exportDocumentsCsv",
    summary: "Documents as CSV, one row per line (the same filters, at most 10 000 documents)",
    parameters: queryParameters(documentListQuery.omit({ cursor: true, limit: true })),
    responses: { "200": { description: "CSV", content: { "text/csv": { schema: { type: "string" } } } }, ...errors(400, 401) },
  },
  "GET /api/documents/{id}": {
    operationId: "getDocument",
    summary: "A document with its payments, balance, stock movements and credit notes",
    responses: { "200": { description: "The document", content: json(ref("Document")) }, ...errors(401, 404) },
  },
  "GET /api/documents/{id}/pdf": {
    operationId: "getDocumentPdf",
    summary: "The document as an A4 PDF, as its customer receives it (a draft is marked \"DRAFT – not issued\" and has no number)",
    responses: { "200": { description: "The PDF, with a file name such as INV-2026-00001.pdf", content: { "application/pdf": { schema: { type: "string", format: "binary" } } } }, ...errors(401, 404) },
  },
  "POST /api/documents/{id}/execute": {
    operationId: "executeDocument",
    summary: "Execute a clean draft: number it, move its stock; final from then on",
    responses: { "200": { description: "Executed", content: json(ref("Document")) }, ...errors(401, 404, 409) },
  },
  "POST /api/documents/{id}/cancel": {
    operationId: "cancelDocument",
    summary: "Cancel a draft (an executed document is credited instead)",
    responses: { "200": { description: "Cancelled", content: json(ref("Document")) }, ...errors(401, 404, 409) },
  },
  "POST /api/documents/{id}/credit": {
    operationId: "creditDocument",
    summary: "A draft credit note for all of an executed invoice",
    responses: { "201": { description: "The credit note", content: json(ref("Document")) }, ...errors(401, 404, 409) },
  },
  "POST /api/documents/{id}/payments": {
    operationId: "addPayment",
    summary: "Add a payment by hand (once per reference)",
    requestBody: { content: json(ref("PaymentCreate")) },
    responses: { "201": { description: "The payment", content: json(ref("Payment")) }, ...errors(400, 401, 404, 409) },
  },
  "POST /api/documents/{id}/email": {
    operationId: "emailDocument",
    summary: "Send an executed document by e-mail, with its PDF: recorded and queued (to: the customer's e-mail unless given)",
    requestBody: { content: json(ref("DocumentEmailRequest")) },
    responses: { "202": { description: "Recorded and queued", content: json(ref("DocumentEmail")) }, ...errors(400, 401, 404, 409) },
  },
  "GET /api/documents/{id}/emails": {
    operationId: "listDocumentEmails",
    summary: "The document's e-mails, newest first: to whom, when, sent or why not",
    responses: { "200": { description: "The send log", content: json({ type: "object", properties: { items: { type: "array", items: ref("DocumentEmail") } }, required: ["items"] }) }, ...errors(401, 404) },
  },
  "GET /api/payments/{id}": {
    operationId: "getPayment",
    summary: "One payment or refund",
    responses: { "200": { description: "The payment", content: json(ref("Payment")) }, ...errors(401, 404) },
  },
  "GET /api/payments": {
    operationId: "listPayments",
    summary: "Payments and refunds, newest first",
    parameters: queryParameters(paymentListQuery),
    responses: { "200": { description: "A page of payments", content: json(page("Payment")) }, ...errors(400, 401) },
  },
  "GET /api/stock": {
    operationId: "listStockLevels",
    summary: "On hand, reserved (by open orders) and available, per product and warehouse, by SKU",
    parameters: queryParameters(stockListQuery),
    responses: { "200": { description: "A page of stock levels", content: json(page("StockLevel")) }, ...errors(400, 401) },
  },
  "GET /api/stock/{sku}": {
    operationId: "getStock",
    summary: "A product's levels, what each store last accepted, and its stock ledger (newest 100 entries)",
    responses: { "200": { description: "Levels and ledger" }, ...errors(401, 404) },
  },
  "PUT /api/stock/{sku}": {
    operationId: "setStockOnHand",
    summary: "Set what is on hand; the ledger records the change",
    requestBody: { content: json(ref("StockSet")) },
    responses: { "200": { description: "The product's levels now" }, ...errors(400, 401, 404) },
  },
  "POST /api/stock/import": {
    operationId: "importStockCount",
    summary: "A stock count as CSV (sku,on_hand[,warehouse]), checked whole before anything is written",
    requestBody: { content: { "text/csv": { schema: { type: "string" } } } },
    responses: { "200": { description: "How many levels were counted" }, ...errors(400, 401, 413, 415) },
  },
  "GET /api/warehouses": {
    operationId: "listWarehouses",
    summary: "The warehouses (one default, main, to start)",
    responses: { "200": { description: "The warehouses" }, ...errors(401) },
  },
  "POST /api/warehouses": {
    operationId: "createWarehouse",
    summary: "Add a warehouse",
    requestBody: { content: json(ref("WarehouseCreate")) },
    responses: { "201": { description: "Created" }, ...errors(400, 401, 409) },
  },
  "GET /api/deliveries": {
    operationId: "listDeliveries",
    summary: "The delivery log, newest first",
    parameters: queryParameters(deliveryListQuery),
    responses: { "200": { description: "A page of deliveries", content: json(page("Delivery")) }, ...errors(400, 401) },
  },
  "GET /api/deliveries/{id}": {
    operationId: "getDelivery",
    summary: "Read a delivery with its raw body",
    responses: { "200": { description: "The delivery", content: json(ref("DeliveryDetail")) }, ...errors(401, 404) },
  },
  "POST /api/deliveries/{id}/confirm": {
    operationId: "confirmDelivery",
    summary: "Ask the source again about a delivery it could not confirm (unverified) or that was refused as sent to another account",
    responses: { "202": { description: "Pending again, queued", content: json(ref("Delivery")) }, ...errors(401, 404, 409) },
  },
  "GET /api/company": {
    operationId: "getCompanyProfile",
    summary: "Read the company profile: the seller on every document, the base currency, time zone and locale",
    responses: { "200": { description: "The profile (every default when never saved)", content: json(ref("CompanyProfileView")) }, ...errors(401) },
  },
  "PUT /api/company": {
    operationId: "updateCompanyProfile",
    summary: "Change the company profile: the fields given change, the rest stay; issued documents keep the seller they were issued with",
    requestBody: { required: true, content: json(ref("CompanyProfileUpdate")) },
    responses: { "200": { description: "The profile as saved", content: json(ref("CompanyProfileView")) }, ...errors(400, 401) },
  },
  "GET /api/company/logo": {
    operationId: "getCompanyLogo",
    summary: "The company's logo image",
    responses: { "200": { description: "The image", content: { "image/png": { schema: { type: "string", format: "binary" } }, "image/jpeg": { schema: { type: "string", format: "binary" } } } }, ...errors(401, 404) },
  },
  "PUT /api/company/logo": {
    operationId: "replaceCompanyLogo",
    summary: "Upload the company's logo (PNG or JPEG, at most 256 KiB), printed on documents",
    requestBody: { required: true, content: { "image/png": { schema: { type: "string", format: "binary" } }, "image/jpeg": { schema: { type: "string", format: "binary" } } } },
    responses: { "200": { description: "The profile with its logo", content: json(ref("CompanyProfileView")) }, ...errors(400, 401, 413, 415) },
  },
  "DELETE /api/company/logo": {
    operationId: "removeCompanyLogo",
    summary: "Remove the company's logo",
    responses: { "200": { description: "The profile without a logo", content: json(ref("CompanyProfileView")) }, ...errors(401) },
  },
  "GET /api/exchange-rates": {
    operationId: "getExchangeRate",
    summary: "The ECB rate a document in `currency` dated `date` would take: the ECB's last rate on or before the date, at most 7 days old; cross rates through EUR for another base currency",
    parameters: queryParameters(exchangeRateQuery),
    responses: { "200": { description: "The rate and the ECB date it is of", content: json(ref("ExchangeRate")) }, ...errors(400, 401, 404) },
  },
  "POST /api/exchange-rates/fetch": {
    operationId: "fetchExchangeRates",
    summary: "Fetch the ECB's reference rates now: today's file, or the last 90 days' for a first fill; rates already held are left as they are",
    requestBody: { content: json(ref("ExchangeRatesFetch")) },
    responses: { "200": { description: "What the file held and how many rates were new", content: json(ref("ExchangeRatesFetched")) }, ...errors(400, 401, 502) },
  },
  "GET /api/tax-codes": {
    operationId: "listTaxCodes",
    summary: "The tax codes document lines are booked under: (kind, country of taxation, rate) → code",
    responses: { "200": { description: "Every code", content: json({ type: "object", properties: { items: { type: "array", items: ref("TaxCode") } }, required: ["items"] }) }, ...errors(401) },
  },
  "POST /api/tax-codes/seed": {
    operationId: "seedTaxCodes",
    summary: "Add the default codes for the company's country that are missing (domestic, OSS, reverse charge, export, outside VAT); running it again adds nothing",
    responses: { "200": { description: "How many were added, and every code", content: json(ref("TaxCodeSeedResult")) }, ...errors(401) },
  },
  "POST /api/tax-codes": {
    operationId: "createTaxCode",
    summary: "Add a tax code",
    requestBody: { required: true, content: json(ref("TaxCodeCreate")) },
    responses: { "201": { description: "Added", content: json(ref("TaxCode")) }, ...errors(400, 401, 409) },
  },
  "PATCH /api/tax-codes/{id}": {
    operationId: "updateTaxCode",
    summary: "Change a tax code's code, label, kind, country or rate; documents already made keep the code they were made with",
    requestBody: { required: true, content: json(ref("TaxCodeUpdate")) },
    responses: { "200": { description: "Changed", content: json(ref("TaxCode")) }, ...errors(400, 401, 404, 409) },
  },
  "DELETE /api/tax-codes/{id}": {
    operationId: "deleteTaxCode",
    summary: "Remove a tax code; a line that would need it holds its document with no_tax_code",
    responses: { "204": { description: "Removed" }, ...errors(401, 404) },
  },
  "GET /api/me": {
    operationId: "whoAmI",
    summary: "Who the key stands for, and what it may do",
    responses: { "200": { description: "The caller", content: json(ref("Me")) }, ...errors(401) },
  },
  "GET /api/users": {
    operationId: "listUsers",
    summary: "The people who may sign in to the dashboard",
    responses: { "200": { description: "Every user", content: json({ type: "object", properties: { items: { type: "array", items: ref("User") } }, required: ["items"] }) }, ...errors(401) },
  },
  "POST /api/users": {
    operationId: "createUser",
    summary: "Add a person with a role; without a password they sign in only through Cloudflare Access",
    requestBody: { required: true, content: json(ref("UserCreate")) },
    responses: { "201": { description: "Added", content: json(ref("User")) }, ...errors(400, 401, 409) },
  },
  "PATCH /api/users/{id}": {
    operationId: "changeUser",
    summary: "Change a person's name or role, set a new password, disable or enable them; disabling or a new password ends their sessions at once",
    requestBody: { required: true, content: json(ref("UserChange")) },
    responses: { "200": { description: "Changed", content: json(ref("User")) }, ...errors(400, 401, 404, 409) },
  },
  "GET /api/api-keys": {
    operationId: "listApiKeys",
    summary: "The API keys, by prefix and last use (never the keys themselves)",
    responses: { "200": { description: "Every key", content: json({ type: "object", properties: { items: { type: "array", items: ref("ApiKey") } }, required: ["items"] }) }, ...errors(401) },
  },
  "POST /api/api-keys": {
    operationId: "createApiKey",
    summary: "Make a key with a role or scopes and an optional expiry; the answer's `key` is shown this once",
    requestBody: { required: true, content: json(ref("ApiKeyCreate")) },
    responses: {
      "201": { description: "Made", content: json({ allOf: [ref("ApiKey"), { type: "object", properties: { key: { type: "string" } }, required: ["key"] }] }) },
      ...errors(400, 401),
    },
  },
  "DELETE /api/api-keys/{id}": {
    operationId: "revokeApiKey",
    summary: "Revoke a key for good",
    responses: { "200": { description: "Revoked", content: json(ref("ApiKey")) }, ...errors(401, 404) },
  },
  "GET /api/audit": {
    operationId: "listAudit",
    summary: "The audit trail, newest first: who changed what, when; read-only",
    parameters: queryParameters(auditFilterSchema),
    responses: { "200": { description: "A page of entries", content: json(page("AuditEntry")) }, ...errors(400, 401) },
  },
  "GET /api/customers": {
    operationId: "listCustomers",
    summary: "Find customers, newest first",
    parameters: queryParameters(customerListQuery),
    responses: { "200": { description: "A page of customers", content: json(page("Customer")) }, ...errors(400, 401) },
  },
  "POST /api/customers": {
    operationId: "createCustomer",
    summary: "Add a customer",
    requestBody: { required: true, content: json(ref("CustomerCreate")) },
    responses: { "201": { description: "Created", content: json(ref("Customer")) }, ...errors(400, 401) },
  },
  "GET /api/customers/{id}": {
    operationId: "getCustomer",
    summary: "Read a customer",
    responses: { "200": { description: "The customer", content: json(ref("Customer")) }, ...errors(401, 404) },
  },
  "PATCH /api/customers/{id}": {
    operationId: "updateCustomer",
    summary: "Change a customer's details",
    requestBody: { required: true, content: json(ref("CustomerUpdate")) },
    responses: { "200": { description: "Updated", content: json(ref("Customer")) }, ...errors(400, 401, 404) },
  },
  "GET /api/products": {
    operationId: "listProducts",
    summary: "Find products, by SKU",
    parameters: queryParameters(productListQuery),
    responses: { "200": { description: "A page of products", content: json(page("Product")) }, ...errors(400, 401) },
  },
  "POST /api/products": {
    operationId: "createProduct",
    summary: "Add a product; its SKU must be new",
    requestBody: { required: true, content: json(ref("ProductCreate")) },
    responses: { "201": { description: "Created", content: json(ref("Product")) }, ...errors(400, 401, 409) },
  },
  "POST /api/products/import": {
    operationId: "importProducts",
    summary:
      `Create and update products by SKU from a UTF-8 CSV file (at most ${MAX_IMPORT_ROWS} rows and ${MAX_IMPORT_BYTES} bytes). ` +
      "The header row names the columns: sku and name, and optionally unit_price with currency, and tax_rate, in any order. " +
      "Every row is checked first: one invalid row refuses the whole file, its problems named by row (the header is row 1).",
    requestBody: {
      required: true,
      content: { "text/csv": { schema: { type: "string" }, example: "sku,name,unit_price,currency,tax_rate\nMUG-1,\"Mug, large\",12.50,EUR,21\n" } },
    },
    responses: { "200": { description: "Imported", content: json(ref("ProductImportResult")) }, ...errors(400, 401, 413, 415) },
  },
  "GET /api/products/{id}": {
    operationId: "getProduct",
    summary: "Read a product",
    responses: { "200": { description: "The product", content: json(ref("Product")) }, ...errors(401, 404) },
  },
  "PATCH /api/products/{id}": {
    operationId: "updateProduct",
    summary: "Change a product; a new SKU must be free",
    requestBody: { required: true, content: json(ref("ProductUpdate")) },
    responses: { "200": { description: "Updated", content: json(ref("Product")) }, ...errors(400, 401, 404, 409) },
  },
};

/** Served on purpose without a description: the document itself. */
const undescribed = new Set(["GET /api/openapi.json"]);

/** A route as Hono lists it in `app.routes`. */
export interface ServedRoute {
  method: string;
  path: string;
}

const METHODS = new Set(["GET", "PUT", "POST", "DELETE", "PATCH"]);
const isPublicPath = (path: string) => path.startsWith("/api/") || path.startsWith("/in/");

/** Hono's `/api/orders/:id` (or `:id{[0-9]+}`) as OpenAPI's `/api/orders/{id}`. */
export const openApiPath = (honoPath: string) => honoPath.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}");

/** The public routes the app serves, as "METHOD /path" keys in the order they are served. */
function servedOperations(routes: readonly ServedRoute[]): string[] {
  const keys = routes
    .filter((route) => METHODS.has(route.method) && isPublicPath(route.path))
    .map((route) => `${route.method} ${openApiPath(route.path)}`);
  return [...new Set(keys)].filter((key) => !undescribed.has(key));
}

/** What the description and the served routes disagree on; both lists empty when they agree. */
export function routeDrift(routes: readonly ServedRoute[]): { undocumented: string[]; unserved: string[] } {
  const served = servedOperations(routes);
  return {
    undocumented: served.filter((key) => !(key in operations)),
    unserved: Object.keys(operations).filter((key) => !served.includes(key)),
  };
}

/** Path parameters are declared once per path, unless the operation declares them itself. */
function pathItem(path: string, operation: Operation): Record<string, unknown> {
  const own = new Set(((operation.parameters ?? []) as { name: string; in: string }[]).filter((p) => p.in === "path").map((p) => p.name));
  const names = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).filter((name) => !own.has(name));
  return names.length > 0 ? { parameters: names.map(idParam) } : {};
}

function pathsOf(routes: readonly ServedRoute[]): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const key of servedOperations(routes)) {
    const [method, path] = key.split(" ") as [string, string];
    const operation = operations[key]!;
    paths[path] ??= pathItem(path, operation);
    const need = POLICY[`${method} ${path.replace(/\{(\w+)\}/g, ":$1")}`]?.need;
    paths[path][method.toLowerCase()] = need ? { ...operation, "x-required-scope": need } : operation;
  }
  return paths;
}

const documents = new WeakMap<readonly ServedRoute[], object>();

/** The document for an app's routes (`app.routes`); throws when they and the description disagree. */
export function openApiDocument(routes: readonly ServedRoute[]): object {
  const cached = documents.get(routes);
  if (cached) return cached;
  const drift = routeDrift(routes);
  if (drift.undocumented.length > 0 || drift.unserved.length > 0) {
    throw new Error(
      `OpenAPI and the served routes disagree. Served without a description: ${drift.undocumented.join(", ") || "none"}. ` +
        `Described but not served: ${drift.unserved.join(", ") || "none"}.`,
    );
  }
  const document = {
    openapi: "3.1.0",
    info: {
      title: "Sales Inbox",
      version: "1.0.0",
      license: { name: "MIT", identifier: "MIT" },
      description:
        "Every sales order from every store in one inbox. The management API needs `Authorization: Bearer <API key>`: a key made by an owner " +
        "(`sik_…`, with a role or scopes; each operation's `x-required-scope` names the scope it needs, and a key without it gets 403), " +
        "or the bootstrap ADMIN_TOKEN, an owner. " +
        "Channel URIs (`/in/{token}`) take orders from stores; Connect channels take the Order schema as JSON or XML, " +
        "signed with `X-Inbox-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>`.",
    },
    // Relative: the Worker that serves this document is the one it describes, whatever its host.
    servers: [{ url: "/", description: "This Worker" }],
    components: {
      schemas: componentSchemas(),
      securitySchemes: { adminToken: { type: "http", scheme: "bearer" } },
    },
    security: [{ adminToken: [] }],
    paths: pathsOf(routes),
  };
  documents.set(routes, document);
  return document;
}
