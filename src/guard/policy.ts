/**
 * Who may call what: every route behind sign-in, of the API and of the dashboard, with the one
 * scope it needs and, for a change, the action the audit trail records. One table, so the whole
 * policy reads in one place; test/guard/role-matrix.test.ts holds it to the routes the app serves
 * (a route missing here answers 404 to everyone: nothing is reachable by omission).
 */
import type { Scope } from "../people/roles";

/** What a route needs: a scope, or only that someone is signed in. */
export type Need = Scope | "signed_in";

export interface Rule {
  need: Need;
  /** The change a successful call makes, as the audit trail names it ("order.ignore"). Reads have none. */
  action?: string;
  /** What the change is about, and the route parameter naming it; a creation finds its id in the answer. */
  subject?: { type: string; param?: string };
  /** The service records the change itself, in the same batch (users, API keys). */
  auditedByService?: boolean;
}

const read = (need: Need): Rule => ({ need });
const change = (need: Scope, action: string, type: string, param?: string): Rule => ({ need, action, subject: { type, param } });
const selfAudited = (need: Need): Rule => ({ need, auditedByService: true });

/** Keys are "METHOD /path" as the router writes them. */
export const POLICY: Readonly<Record<string, Rule>> = {
  // ---- API: channels and their stores
  "GET /api/channels": read("channels:read"),
  "POST /api/channels": change("channels:write", "channel.create", "channel"),
  "GET /api/channels/:id": read("channels:read"),
  "PATCH /api/channels/:id": change("channels:write", "channel.change", "channel", "id"),
  "DELETE /api/channels/:id": change("channels:write", "channel.delete", "channel", "id"),
  "POST /api/channels/:id/secrets": change("channels:secrets", "channel.secret_add", "channel", "id"),
  "DELETE /api/channels/:id/secrets/:secretId": change("channels:secrets", "channel.secret_revoke", "channel", "id"),
  "GET /api/channels/:id/automation": read("channels:read"),
  "PUT /api/channels/:id/automation": change("channels:write", "channel.automation", "channel", "id"),
  "POST /api/channels/:id/reconcile": change("orders:write", "channel.reconcile", "channel", "id"),
  "GET /api/channels/:id/reconciliation": read("channels:read"),
  "POST /api/channels/:id/connect": change("channels:write", "channel.connect", "channel", "id"),
  "POST /api/channels/:id/test-connection": read("channels:write"),
  "POST /api/channels/:id/stock-sync": change("stock:write", "stock_sync.start", "channel", "id"),
  "GET /api/channels/:id/stock-sync/settings": read("channels:read"),
  "PUT /api/channels/:id/stock-sync/settings": change("channels:write", "stock_sync.settings", "channel", "id"),
  "GET /api/channels/:id/stock-syncs": read("stock:read"),
  "GET /api/channels/:id/stock-syncs/:syncId": read("stock:read"),
  "GET /api/channels/:id/stock-pushed": read("stock:read"),
  // ---- API: orders
  "POST /api/orders/process": change("orders:write", "order.process_many", "order"),
  "GET /api/orders": read("orders:read"),
  "GET /api/orders/:id": read("orders:read"),
  "POST /api/orders/:id/ignore": change("orders:write", "order.ignore", "order", "id"),
  "POST /api/orders/:id/restore": change("orders:write", "order.restore", "order", "id"),
  "POST /api/orders/:id/reprocess": change("orders:write", "order.reprocess", "order", "id"),
  "POST /api/orders/:id/preview": read("orders:read"),
  "POST /api/orders/:id/process": change("orders:write", "order.process", "order", "id"),
  // ---- API: documents and payments
  "GET /api/documents": read("documents:read"),
  "GET /api/documents/export.csv": read("exports:read"),
  "GET /api/documents/:id": read("documents:read"),
  "GET /api/documents/:id/pdf": read("documents:read"),
  "POST /api/documents/:id/execute": change("documents:write", "document.execute", "document", "id"),
  "POST /api/documents/:id/cancel": change("documents:write", "document.cancel", "document", "id"),
  "POST /api/documents/:id/credit": change("documents:write", "document.credit", "document", "id"),
  "POST /api/documents/:id/payments": change("payments:write", "document.payment", "document", "id"),
  "POST /api/documents/:id/email": change("documents:write", "document.email", "document", "id"),
  "GET /api/documents/:id/emails": read("documents:read"),
  "GET /api/payments": read("documents:read"),
  "GET /api/payments/:id": read("documents:read"),
  // ---- API: stock, deliveries, catalog
  "GET /api/stock": read("stock:read"),
  "GET /api/stock/:sku": read("stock:read"),
  "PUT /api/stock/:sku": change("stock:write", "stock.count", "product", "sku"),
  "POST /api/stock/import": change("stock:write", "stock.import", "stock"),
  "GET /api/warehouses": read("stock:read"),
  "POST /api/warehouses": change("stock:write", "warehouse.create", "warehouse"),
  "GET /api/deliveries": read("deliveries:read"),
  "GET /api/deliveries/:id": read("deliveries:read"),
  "POST /api/deliveries/:id/confirm": change("deliveries:write", "delivery.confirm", "delivery", "id"),
  "GET /api/customers": read("catalog:read"),
  "GET /api/customers/:id": read("catalog:read"),
  "POST /api/customers": change("catalog:write", "customer.create", "customer"),
  "PATCH /api/customers/:id": change("catalog:write", "customer.change", "customer", "id"),
  "GET /api/products": read("catalog:read"),
  "GET /api/products/:id": read("catalog:read"),
  "POST /api/products": change("catalog:write", "product.create", "product"),
  "POST /api/products/import": change("catalog:write", "product.import", "product"),
  "PATCH /api/products/:id": change("catalog:write", "product.change", "product", "id"),
  // ---- API: the company's settings
  "GET /api/company": read("settings:read"),
  "PUT /api/company": change("settings:write", "company.change", "company"),
  "GET /api/company/logo": read("settings:read"),
  "PUT /api/company/logo": change("settings:write", "company.logo", "company"),
  "DELETE /api/company/logo": change("settings:write", "company.logo_remove", "company"),
  "GET /api/exchange-rates": read("settings:read"),
  "POST /api/exchange-rates/fetch": change("settings:write", "exchange_rates.fetch", "exchange_rates"),
  "GET /api/tax-codes": read("settings:read"),
  "POST /api/tax-codes/seed": change("settings:write", "tax_code.seed", "tax_code"),
  "POST /api/tax-codes": change("settings:write", "tax_code.create", "tax_code"),
  "PATCH /api/tax-codes/:id": change("settings:write", "tax_code.change", "tax_code", "id"),
  "DELETE /api/tax-codes/:id": change("settings:write", "tax_code.delete", "tax_code", "id"),
  // ---- API: people
  "GET /api/me": read("signed_in"),
  "GET /api/users": read("users:manage"),
  "POST /api/users": selfAudited("users:manage"),
  "PATCH /api/users/:id": selfAudited("users:manage"),
  "GET /api/api-keys": read("users:manage"),
  "POST /api/api-keys": selfAudited("users:manage"),
  "DELETE /api/api-keys/:id": selfAudited("users:manage"),
  "GET /api/audit": read("audit:read"),

  // ---- Dashboard
  "POST /dashboard/sign-out": read("signed_in"),
  "GET /dashboard": read("signed_in"),
  "GET /dashboard/account": read("signed_in"),
  "POST /dashboard/account/password": selfAudited("signed_in"),
  "GET /dashboard/orders": read("orders:read"),
  "POST /dashboard/orders/bulk": change("orders:write", "order.bulk", "order"),
  "GET /dashboard/orders/:id": read("orders:read"),
  "POST /dashboard/orders/:id/process": change("orders:write", "order.process", "order", "id"),
  "POST /dashboard/orders/:id/ignore": change("orders:write", "order.ignore", "order", "id"),
  "POST /dashboard/orders/:id/restore": change("orders:write", "order.restore", "order", "id"),
  "POST /dashboard/orders/:id/reprocess": change("orders:write", "order.reprocess", "order", "id"),
  "POST /dashboard/channels/:id/stock-sync": change("stock:write", "stock_sync.start", "channel", "id"),
  "POST /dashboard/channels/:id/stock-sync/settings": change("channels:write", "stock_sync.settings", "channel", "id"),
  "GET /dashboard/channels": read("channels:read"),
  "POST /dashboard/channels": change("channels:write", "channel.create", "channel"),
  "GET /dashboard/channels/:id": read("channels:read"),
  "POST /dashboard/channels/:id/secrets": change("channels:secrets", "channel.secret_add", "channel", "id"),
  "POST /dashboard/channels/:id/secrets/:secretId/revoke": change("channels:secrets", "channel.secret_revoke", "channel", "id"),
  "POST /dashboard/channels/:id/settings": change("channels:write", "channel.change", "channel", "id"),
  "POST /dashboard/channels/:id/automation": change("channels:write", "channel.automation", "channel", "id"),
  "POST /dashboard/channels/:id/delete": change("channels:write", "channel.delete", "channel", "id"),
  "POST /dashboard/channels/:id/connect": change("channels:write", "channel.connect", "channel", "id"),
  "POST /dashboard/channels/:id/test-connection": read("channels:write"),
  "POST /dashboard/channels/:id/reconcile": change("orders:write", "channel.reconcile", "channel", "id"),
  "POST /dashboard/channels/:id/test-order": change("orders:write", "channel.test_order", "channel", "id"),
  "GET /dashboard/documents": read("documents:read"),
  "GET /dashboard/documents/:id": read("documents:read"),
  "POST /dashboard/documents/:id/execute": change("documents:write", "document.execute", "document", "id"),
  "POST /dashboard/documents/:id/cancel": change("documents:write", "document.cancel", "document", "id"),
  "POST /dashboard/documents/:id/credit": change("documents:write", "document.credit", "document", "id"),
  "POST /dashboard/documents/:id/payments": change("payments:write", "document.payment", "document", "id"),
  "POST /dashboard/documents/:id/email": change("documents:write", "document.email", "document", "id"),
  "GET /dashboard/documents/:id/print": read("documents:read"),
  "GET /dashboard/documents/:id/pdf": read("documents:read"),
  "GET /dashboard/customers": read("catalog:read"),
  "GET /dashboard/customers/:id": read("catalog:read"),
  "GET /dashboard/products": read("catalog:read"),
  "GET /dashboard/stock-syncs": read("stock:read"),
  "GET /dashboard/stock-syncs/:id": read("stock:read"),
  "GET /dashboard/deliveries": read("deliveries:read"),
  "GET /dashboard/deliveries/:id": read("deliveries:read"),
  "POST /dashboard/deliveries/:id/confirm": change("deliveries:write", "delivery.confirm", "delivery", "id"),
  "GET /dashboard/company": read("settings:read"),
  "POST /dashboard/company": change("settings:write", "company.change", "company"),
  "GET /dashboard/company/logo": read("settings:read"),
  "POST /dashboard/company/logo": change("settings:write", "company.logo", "company"),
  "POST /dashboard/company/logo/delete": change("settings:write", "company.logo_remove", "company"),
  "GET /dashboard/users": read("users:manage"),
  "POST /dashboard/users": selfAudited("users:manage"),
  "POST /dashboard/users/:id": selfAudited("users:manage"),
  "GET /dashboard/api-keys": read("users:manage"),
  "POST /dashboard/api-keys": selfAudited("users:manage"),
  "POST /dashboard/api-keys/:id/revoke": selfAudited("users:manage"),
  "GET /dashboard/audit": read("audit:read"),
};

interface Compiled {
  method: string;
  pattern: RegExp;
  params: string[];
  rule: Rule;
  key: string;
}

/** Static paths are tried before patterns (`/api/documents/export.csv` before `/api/documents/:id`). */
const COMPILED: Compiled[] = Object.entries(POLICY)
  .map(([key, rule]) => {
    const [method, path] = key.split(" ");
    const params: string[] = [];
    const source = path
      .split("/")
      .map((segment) => {
        if (!segment.startsWith(":")) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        params.push(segment.slice(1));
        return "([^/]+)";
      })
      .join("/");
    return { method, pattern: new RegExp(`^${source}/?$`), params, rule, key };
  })
  .sort((a, b) => a.params.length - b.params.length);

export interface Match {
  key: string;
  rule: Rule;
  params: Record<string, string>;
}

/** The rule for a request; HEAD is asked as GET. Null when no route of the policy matches. */
export function ruleFor(method: string, path: string): Match | null {
  const asked = method === "HEAD" ? "GET" : method;
  for (const entry of COMPILED) {
    if (entry.method !== asked) continue;
    const found = entry.pattern.exec(path);
    if (!found) continue;
    const params = Object.fromEntries(entry.params.map((name, index) => [name, safeDecode(found[index + 1])]));
    return { key: entry.key, rule: entry.rule, params };
  }
  return null;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export const mayDo = (scopes: ReadonlySet<string>, need: Need) => need === "signed_in" || scopes.has(need);

/** Whether an actor with these scopes may call the route (the dashboard hides forms and links it may not). */
export function allows(scopes: ReadonlySet<string>, method: string, path: string): boolean {
  const match = ruleFor(method, new URL(path, "https://inbox.invalid").pathname);
  return match !== null && mayDo(scopes, match.rule.need);
}
