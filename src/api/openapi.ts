/**
 * GET /api/openapi.json — an OpenAPI 3.1 description generated from the same zod schemas that
 * validate requests, so the document cannot drift from what the code accepts.
 */
import { z } from "zod";
import { orderWireSchema } from "../orders/order";
import { refundWireSchema } from "../orders/refund";
import { channelCreateSchema, channelSchema, channelUpdateSchema, secretCreateSchema, secretSchema } from "./channels";
import { customerAddressSchema, customerCreateSchema, customerListQuery, customerSchema, customerUpdateSchema } from "./customers";
import { deliveryDetailSchema, deliveryListQuery, deliverySummarySchema } from "./deliveries";
import { automationSchema } from "../documents/automation";
import { documentListQuery, documentSchema, manualPaymentSchema, paymentListQuery, paymentSchema } from "./documents";
import { stockLevelSchema, stockListQuery, stockSetSchema, warehouseCreateSchema } from "./stock";
import { stockSyncItemsQuery, stockSyncListQuery, stockSyncRequestSchema, stockSyncSettingsBody } from "./stock-syncs";
import { bulkProcessSchema, inboxOrderSchema, orderEventSchema, orderListQuery, processOptionsSchema } from "./orders";
import { MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, productCreateSchema, productImportResultSchema, productListQuery, productSchema, productUpdateSchema } from "./products";

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

const schemas = {
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
  Error: errorSchema,
};

const ref = (name: keyof typeof schemas) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ "application/json": { schema } });
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [String(status), { description: "Error", content: json(ref("Error")) }]));
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

let document: object | undefined;

export function openApiDocument(): object {
  document ??= {
    openapi: "3.1.0",
    info: {
      title: "Sales Inbox",
      version: "1.0.0",
      description:
        "Every sales order from every store in one inbox. The management API needs `Authorization: Bearer <ADMIN_TOKEN>`. " +
        "Channel URIs (`/in/{token}`) take orders from stores; Connect channels take the Order schema as JSON or XML, " +
        "signed with `X-Inbox-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>`.",
    },
    components: {
      schemas: componentSchemas(),
      securitySchemes: { adminToken: { type: "http", scheme: "bearer" } },
    },
    security: [{ adminToken: [] }],
    paths: {
      "/in/{token}": {
        post: {
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
      },
      "/api/channels": {
        get: { summary: "List channels", responses: { "200": { description: "Channels", content: json({ type: "object", properties: { items: { type: "array", items: ref("Channel") } } }) }, ...errors(401) } },
        post: {
          summary: "Create a channel; the answer holds its URI and its whole secret",
          requestBody: { required: true, content: json(ref("ChannelCreate")) },
          responses: { "201": { description: "Created", content: json(ref("Channel")) }, ...errors(400, 401) },
        },
      },
      "/api/channels/{id}": {
        parameters: [idParam("id")],
        get: { summary: "Read a channel", responses: { "200": { description: "The channel", content: json(ref("Channel")) }, ...errors(401, 404) } },
        patch: {
          summary: "Rename, disable or enable a channel",
          requestBody: { required: true, content: json(ref("ChannelUpdate")) },
          responses: { "200": { description: "Updated", content: json(ref("Channel")) }, ...errors(400, 401, 404, 410) },
        },
        delete: { summary: "Delete a channel: its URI answers 410 from then on", responses: { "204": { description: "Deleted" }, ...errors(401, 404) } },
      },
      "/api/channels/{id}/secrets": {
        parameters: [idParam("id")],
        post: {
          summary: "Add a secret (rotation): both old and new verify until the old one is revoked",
          requestBody: { content: json(ref("SecretCreate")) },
          responses: { "201": { description: "The new secret, shown whole this once", content: json(ref("Secret")) }, ...errors(400, 401, 404, 410) },
        },
      },
      "/api/channels/{id}/reconcile": {
        parameters: [idParam("id")],
        post: {
          summary: "Sweep the store for missed orders now (channels holding the store's API credentials)",
          responses: { "202": { description: "Queued" }, ...errors(401, 404, 409) },
        },
      },
      "/api/channels/{id}/reconciliation": {
        parameters: [idParam("id")],
        get: {
          summary: "Recent sweeps, and how many orders came by webhook versus only by a sweep",
          responses: { "200": { description: "The report", content: json(ref("ReconciliationReport")) }, ...errors(401, 404) },
        },
      },
      "/api/channels/{id}/connect": {
        parameters: [idParam("id")],
        post: {
          summary: "WooCommerce Premium: create the inbox's webhooks in the store and switch on any that are off; Mozello: register the channel URI for notifications",
          responses: { "200": { description: "What was created, and the webhooks' state" }, ...errors(401, 404, 409, 502) },
        },
      },
      "/api/channels/{id}/test-connection": {
        parameters: [idParam("id")],
        post: {
          summary: "WooCommerce Premium: check the credentials, the store's stock management and the webhooks",
          responses: { "200": { description: "What works" }, ...errors(401, 404, 409) },
        },
      },
      "/api/channels/{id}/secrets/{secretId}": {
        parameters: [idParam("id"), idParam("secretId")],
        delete: { summary: "Revoke a secret", responses: { "204": { description: "Revoked" }, ...errors(401, 404, 409) } },
      },
      "/api/orders": {
        get: {
          summary: "Find orders, newest placed first",
          parameters: queryParameters(orderListQuery),
          responses: { "200": { description: "A page of orders", content: json(page("InboxOrder")) }, ...errors(400, 401) },
        },
      },
      "/api/orders/{id}": {
        parameters: [idParam("id")],
        get: {
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
      },
      "/api/orders/{id}/ignore": {
        parameters: [idParam("id")],
        post: { summary: "Set an order aside", responses: { "200": { description: "Ignored", content: json(ref("InboxOrder")) }, ...errors(401, 404, 409) } },
      },
      "/api/orders/{id}/restore": {
        parameters: [idParam("id")],
        post: { summary: "Bring an ignored order back", responses: { "200": { description: "Restored", content: json(ref("InboxOrder")) }, ...errors(401, 404, 409) } },
      },
      "/api/orders/{id}/reprocess": {
        parameters: [idParam("id")],
        post: { summary: "Queue an unprocessed (e.g. failed) order again", responses: { "202": { description: "Queued", content: json(ref("InboxOrder")) }, ...errors(401, 404, 409) } },
      },
      "/api/channels/{id}/stock-sync": {
        parameters: [idParam("id")],
        post: {
          summary: "Sync now: push available stock (on hand minus reserved) to the store, every SKU or only the changes; the run goes through the queue",
          requestBody: { content: json(ref("StockSyncRequest")) },
          responses: { "202": { description: "The run, planning" }, ...errors(400, 401, 404, 409) },
        },
      },
      "/api/channels/{id}/stock-sync/settings": {
        parameters: [idParam("id")],
        get: { summary: "The stock-sync schedule (off, every N minutes or a cron expression in UTC), warehouse and location", responses: { "200": { description: "The settings" }, ...errors(401, 404) } },
        put: {
          summary: "Change some stock-sync settings; the rest keep their values",
          requestBody: { content: json(ref("StockSyncSettings")) },
          responses: { "200": { description: "The settings now" }, ...errors(400, 401, 404, 409) },
        },
      },
      "/api/channels/{id}/stock-syncs": {
        parameters: [idParam("id")],
        get: { summary: "The channel's stock-sync runs, newest first", parameters: queryParameters(stockSyncListQuery), responses: { "200": { description: "A page of runs" }, ...errors(400, 401, 404) } },
      },
      "/api/channels/{id}/stock-syncs/{syncId}": {
        parameters: [idParam("id"), idParam("syncId")],
        get: {
          summary: "One run with its items: what was sent, what the store accepted, and its reason for what it refused",
          parameters: queryParameters(stockSyncItemsQuery),
          responses: { "200": { description: "The run and a page of its items" }, ...errors(400, 401, 404) },
        },
      },
      "/api/channels/{id}/stock-pushed": {
        parameters: [idParam("id")],
        get: { summary: "The quantity the store last accepted, per SKU", parameters: queryParameters(stockSyncItemsQuery.omit({ status: true })), responses: { "200": { description: "A page of SKUs" }, ...errors(400, 401, 404) } },
      },
      "/api/channels/{id}/automation": {
        parameters: [idParam("id")],
        get: { summary: "How the channel's orders become documents (its switches, or its type's default)", responses: { "200": { description: "The automation", content: json(ref("Automation")) }, ...errors(401, 404) } },
        put: {
          summary: "Change some switches or mappings; the others keep their values",
          requestBody: { content: json(ref("Automation")) },
          responses: { "200": { description: "The automation now", content: json(ref("Automation")) }, ...errors(400, 401, 404) },
        },
      },
      "/api/orders/{id}/preview": {
        parameters: [idParam("id")],
        post: { summary: "The document processing would create, its comparison with the store's total and the mappings used; writes nothing", responses: { "200": { description: "The preview" }, ...errors(401, 404) } },
      },
      "/api/orders/{id}/process": {
        parameters: [idParam("id")],
        post: {
          summary: "Create (or bring up to date) the order's document; options override the channel's switches",
          requestBody: { content: json(ref("ProcessOptions")) },
          responses: { "200": { description: "The document, payment and credit notes" }, ...errors(400, 401, 404) },
        },
      },
      "/api/orders/process": {
        post: { summary: "Process many orders, each on its own", requestBody: { content: json(ref("BulkProcess")) }, responses: { "200": { description: "One result per order" }, ...errors(400, 401) } },
      },
      "/api/documents": {
        get: { summary: "Sales documents, newest first", parameters: queryParameters(documentListQuery), responses: { "200": { description: "A page of documents", content: json(page("Document")) }, ...errors(400, 401) } },
      },
      "/api/documents/export.csv": {
        get: {
          summary: "Documents as CSV, one row per line (the same filters, at most 10 000 documents)",
          parameters: queryParameters(documentListQuery.omit({ cursor: true, limit: true })),
          responses: { "200": { description: "CSV", content: { "text/csv": { schema: { type: "string" } } } }, ...errors(400, 401) },
        },
      },
      "/api/documents/{id}": {
        parameters: [idParam("id")],
        get: { summary: "A document with its payments, balance, stock movements and credit notes", responses: { "200": { description: "The document", content: json(ref("Document")) }, ...errors(401, 404) } },
      },
      "/api/documents/{id}/execute": {
        parameters: [idParam("id")],
        post: { summary: "Execute a clean draft: number it, move its stock; final from then on", responses: { "200": { description: "Executed", content: json(ref("Document")) }, ...errors(401, 404, 409) } },
      },
      "/api/documents/{id}/cancel": {
        parameters: [idParam("id")],
        post: { summary: "Cancel a draft (an executed document is credited instead)", responses: { "200": { description: "Cancelled", content: json(ref("Document")) }, ...errors(401, 404, 409) } },
      },
      "/api/documents/{id}/credit": {
        parameters: [idParam("id")],
        post: { summary: "A draft credit note for all of an executed invoice", responses: { "201": { description: "The credit note", content: json(ref("Document")) }, ...errors(401, 404, 409) } },
      },
      "/api/documents/{id}/payments": {
        parameters: [idParam("id")],
        post: {
          summary: "Add a payment by hand (once per reference)",
          requestBody: { content: json(ref("PaymentCreate")) },
          responses: { "201": { description: "The payment", content: json(ref("Payment")) }, ...errors(400, 401, 404, 409) },
        },
      },
      "/api/payments/{id}": {
        parameters: [idParam("id")],
        get: { summary: "One payment or refund", responses: { "200": { description: "The payment", content: json(ref("Payment")) }, ...errors(401, 404) } },
      },
      "/api/payments": {
        get: { summary: "Payments and refunds, newest first", parameters: queryParameters(paymentListQuery), responses: { "200": { description: "A page of payments", content: json(page("Payment")) }, ...errors(400, 401) } },
      },
      "/api/stock": {
        get: {
          summary: "On hand, reserved (by open orders) and available, per product and warehouse, by SKU",
          parameters: queryParameters(stockListQuery),
          responses: { "200": { description: "A page of stock levels", content: json(page("StockLevel")) }, ...errors(400, 401) },
        },
      },
      "/api/stock/{sku}": {
        parameters: [idParam("sku")],
        get: { summary: "A product's levels, what each store last accepted, and its stock ledger (newest 100 entries)", responses: { "200": { description: "Levels and ledger" }, ...errors(401, 404) } },
        put: {
          summary: "Set what is on hand; the ledger records the change",
          requestBody: { content: json(ref("StockSet")) },
          responses: { "200": { description: "The product's levels now" }, ...errors(400, 401, 404) },
        },
      },
      "/api/stock/import": {
        post: {
          summary: "A stock count as CSV (sku,on_hand[,warehouse]), checked whole before anything is written",
          requestBody: { content: { "text/csv": { schema: { type: "string" } } } },
          responses: { "200": { description: "How many levels were counted" }, ...errors(400, 401, 413, 415) },
        },
      },
      "/api/warehouses": {
        get: { summary: "The warehouses (one default, main, to start)", responses: { "200": { description: "The warehouses" }, ...errors(401) } },
        post: { summary: "Add a warehouse", requestBody: { content: json(ref("WarehouseCreate")) }, responses: { "201": { description: "Created" }, ...errors(400, 401, 409) } },
      },
      "/api/deliveries": {
        get: {
          summary: "The delivery log, newest first",
          parameters: queryParameters(deliveryListQuery),
          responses: { "200": { description: "A page of deliveries", content: json(page("Delivery")) }, ...errors(400, 401) },
        },
      },
      "/api/deliveries/{id}": {
        parameters: [idParam("id")],
        get: { summary: "Read a delivery with its raw body", responses: { "200": { description: "The delivery", content: json(ref("DeliveryDetail")) }, ...errors(401, 404) } },
      },
      "/api/deliveries/{id}/confirm": {
        parameters: [idParam("id")],
        post: {
          summary: "Ask the source again about a delivery it could not confirm (unverified) or that was refused as sent to another account",
          responses: { "202": { description: "Pending again, queued", content: json(ref("Delivery")) }, ...errors(401, 404, 409) },
        },
      },
      "/api/customers": {
        get: {
          summary: "Find customers, newest first",
          parameters: queryParameters(customerListQuery),
          responses: { "200": { description: "A page of customers", content: json(page("Customer")) }, ...errors(400, 401) },
        },
        post: {
          summary: "Add a customer",
          requestBody: { required: true, content: json(ref("CustomerCreate")) },
          responses: { "201": { description: "Created", content: json(ref("Customer")) }, ...errors(400, 401) },
        },
      },
      "/api/customers/{id}": {
        parameters: [idParam("id")],
        get: { summary: "Read a customer", responses: { "200": { description: "The customer", content: json(ref("Customer")) }, ...errors(401, 404) } },
        patch: {
          summary: "Change a customer's details",
          requestBody: { required: true, content: json(ref("CustomerUpdate")) },
          responses: { "200": { description: "Updated", content: json(ref("Customer")) }, ...errors(400, 401, 404) },
        },
      },
      "/api/products": {
        get: {
          summary: "Find products, by SKU",
          parameters: queryParameters(productListQuery),
          responses: { "200": { description: "A page of products", content: json(page("Product")) }, ...errors(400, 401) },
        },
        post: {
          summary: "Add a product; its SKU must be new",
          requestBody: { required: true, content: json(ref("ProductCreate")) },
          responses: { "201": { description: "Created", content: json(ref("Product")) }, ...errors(400, 401, 409) },
        },
      },
      "/api/products/import": {
        post: {
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
      },
      "/api/products/{id}": {
        parameters: [idParam("id")],
        get: { summary: "Read a product", responses: { "200": { description: "The product", content: json(ref("Product")) }, ...errors(401, 404) } },
        patch: {
          summary: "Change a product; a new SKU must be free",
          requestBody: { required: true, content: json(ref("ProductUpdate")) },
          responses: { "200": { description: "Updated", content: json(ref("Product")) }, ...errors(400, 401, 404, 409) },
        },
      },
    },
  };
  return document;
}
