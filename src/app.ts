/**
 * The HTTP side of the Worker: channel URIs (/in/:token), the management API (/api/*) behind API
 * keys, the dashboard (/dashboard, for signed-in people), both under one route policy
 * (src/guard/policy.ts), and one error handler
 * that renders every API failure in one envelope (the dashboard renders its own as pages).
 */
import { Hono, type Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { channelRoutes } from "./api/channels";
import { companyRoutes } from "./api/company";
import { exchangeRateRoutes } from "./api/exchange-rates";
import { taxCodeRoutes } from "./api/tax-codes";
import { customerRoutes } from "./api/customers";
import { deliveryRoutes } from "./api/deliveries";
import { authenticate } from "./api/auth";
import { apiKeyRoutes, auditRoutes, meRoute, userRoutes } from "./api/people";
import { authorize } from "./guard/guard";
import { openApiDocument } from "./api/openapi";
import { documentRoutes, paymentRoutes } from "./api/documents";
import { bulkProcessRoute, orderRoutes } from "./api/orders";
import { stockRoutes, warehouseRoutes } from "./api/stock";
import { productRoutes } from "./api/products";
import { storeLinkRoutes } from "./api/store-links";
import { stockSyncRoutes } from "./api/stock-syncs";
import { buildServices, type AppEnv } from "./context";
import { createDashboard } from "./dashboard";
import { readConfig } from "./env";
import { inbound } from "./inbound/route";
import { AppError } from "./lib/errors";

const executionContextOf = (c: Context) => {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
};

/** The management API's routers by mount point; every route they serve is described in api/openapi.ts. */
const apiRouters: ReadonlyArray<readonly [string, Hono<AppEnv>]> = [
  ["/api/channels", channelRoutes],
  ["/api/channels", storeLinkRoutes],
  ["/api/channels", stockSyncRoutes],
  ["/api/orders/process", bulkProcessRoute],
  ["/api/orders", orderRoutes],
  ["/api/documents", documentRoutes],
  ["/api/payments", paymentRoutes],
  ["/api/stock", stockRoutes],
  ["/api/warehouses", warehouseRoutes],
  ["/api/deliveries", deliveryRoutes],
  ["/api/customers", customerRoutes],
  ["/api/products", productRoutes],
  ["/api/company", companyRoutes],
  ["/api/exchange-rates", exchangeRateRoutes],
  ["/api/tax-codes", taxCodeRoutes],
  ["/api/me", meRoute],
  ["/api/users", userRoutes],
  ["/api/api-keys", apiKeyRoutes],
  ["/api/audit", auditRoutes],
];

export function createApp(now: () => number = Date.now) {
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    const checked = readConfig(c.env);
    if (!checked.ok) throw new AppError("bad_environment", checked.message);
    c.set("services", buildServices(c.env, checked.config, now));
    await next();
  });

  app.get("/", (c) => c.json({ service: "sales-inbox", api: "/api/openapi.json", dashboard: "/dashboard" }));
  app.get("/health", (c) => c.json({ ok: true }));
  app.route("/", inbound);
  // Described from the routes this app serves, so the document cannot list a route that is not here.
  app.get("/api/openapi.json", (c) => c.json(openApiDocument(app.routes)));
  // Who calls, then whether they may: every route below is in src/guard/policy.ts or answers 404.
  app.use("/api/*", authenticate, authorize);
  for (const [path, routes] of apiRouters) app.route(path, routes);
  // A test order from the dashboard goes through the whole app, as a store's webhook would.
  app.route("/dashboard", createDashboard({ deliver: async (request, c) => app.fetch(request, c.env, executionContextOf(c)) }));

  app.notFound(() => {
    throw new AppError("not_found", "No such route");
  });

  app.onError((error, c) => {
    if (error instanceof AppError) {
      if (error.status >= 500) console.error(`${error.code}: ${error.message}`, error.cause ?? "");
      return c.json(error.toJSON(), error.status);
    }
    if (error instanceof HTTPException) {
      // Hono's own (e.g. a malformed request line); keep the envelope.
      return c.json({ error: { code: error.status === 404 ? "not_found" : "bad_request", message: error.message } }, error.status);
    }
    console.error("unhandled error", error);
    return c.json({ error: { code: "internal_error", message: "Something went wrong on our side; nothing was accepted" } }, 500);
  });

  return app;
}
