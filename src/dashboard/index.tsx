/**
 * /dashboard — the inbox for the people who work it: server-rendered pages (Hono JSX) over the same
 * services as the management API. People sign in through Cloudflare Access or with an e-mail and
 * a password (./identity.ts); what each may see and do is the route policy's (src/guard/policy.ts);
 * every POST carries the session's CSRF token and is refused from another origin.
 * Every response carries a Content-Security-Policy that allows no inline script or style.
 */
import { Hono, type Context } from "hono";
import { createMiddleware } from "hono/factory";
import { AppError } from "../lib/errors";
import { assetAt } from "./assets";
import { ErrorPage } from "./layout";
import { channelPages, type DeliverToInbox } from "./pages/channels";
import { companyPages } from "./pages/company";
import { customerPages } from "./pages/customers";
import { deliveryPages } from "./pages/deliveries";
import { loadCompanyProfile } from "../company/company";
import { documentPrintPage } from "./pages/document-print";
import { documentPages } from "./pages/documents";
import { inboxPages } from "./pages/inbox";
import { orderPages } from "./pages/order";
import { overviewPage } from "./pages/overview";
import { productPages } from "./pages/products";
import { stockSyncChannelActions, stockSyncPages } from "./pages/stock-syncs";
import { signInPages, signOutPage } from "./pages/sign-in";
import { render, type DashboardEnv, type FormFields } from "./respond";
import { csrfTokenOf, isCsrfToken, takeFlash } from "./session";
import { identify } from "./identity";
import { actorOfUser } from "../people/actors";
import { allows } from "../guard/policy";
import { authorize } from "../guard/guard";
import { accountPages } from "./pages/account";
import { userPages } from "./pages/users";
import { apiKeyPages } from "./pages/api-keys";
import { auditPages } from "./pages/audit";

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

const securityHeaders = createMiddleware<DashboardEnv>(async (c, next) => {
  await next();
  const headers = c.res.headers;
  headers.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("Referrer-Policy", "same-origin");
  headers.set("X-Frame-Options", "DENY");
  headers.set("Cross-Origin-Opener-Policy", "same-origin");
  if (!headers.has("Cache-Control")) headers.set("Cache-Control", "no-store");
});

const SAFE_METHODS = new Set(["GET", "HEAD"]);

/** A POST from another site is refused before anything else: its Origin (or Sec-Fetch-Site) gives it away. */
const sameOriginPosts = createMiddleware<DashboardEnv>(async (c, next) => {
  if (!SAFE_METHODS.has(c.req.method)) {
    const origin = c.req.header("origin");
    const site = c.req.header("sec-fetch-site");
    if ((origin && origin !== new URL(c.req.url).origin) || (site && site !== "same-origin" && site !== "none")) {
      return render(c, <ErrorPage title="Refused" message="This form was sent from another site, so it was not accepted." page={null} />, 403);
    }
  }
  await next();
});

/**
 * Signed in, or sent to sign in (a GET comes back to where it was going). A POST must also carry
 * the CSRF token of the person's session in its form. Then the route's rule (src/guard/policy.ts)
 * decides what the person may do, for pages and actions alike.
 */
const requireSession = createMiddleware<DashboardEnv>(async (c, next) => {
  const { services } = c.var;
  const { config } = services;
  const url = new URL(c.req.url);
  const identity = await identify(c, services);
  if (!identity.ok) {
    if (identity.reason === "none") {
      const next = SAFE_METHODS.has(c.req.method) ? `${url.pathname}${url.search}` : "/dashboard";
      return c.redirect(`/dashboard/sign-in?next=${encodeURIComponent(next)}`, SAFE_METHODS.has(c.req.method) ? 302 : 303);
    }
    const status = identity.reason === "access_unavailable" ? 503 : 403;
    return render(c, <ErrorPage title={status === 503 ? "Try again shortly" : "Not signed in"} message={identity.message} page={null} />, status);
  }
  const csrf = await csrfTokenOf(config.ADMIN_TOKEN, identity.binding);
  let form: FormFields = {};
  if (!SAFE_METHODS.has(c.req.method)) {
    form = (await c.req.parseBody({ all: true })) as FormFields;
    const given = typeof form._csrf === "string" ? form._csrf : undefined;
    if (!(await isCsrfToken(config.ADMIN_TOKEN, identity.binding, given))) {
      return render(
        c,
        <ErrorPage title="Refused" message="The form's security token is missing or out of date: go back, reload the page and try again." page={null} />,
        403,
      );
    }
  }
  const actor = actorOfUser(identity.user);
  c.set("services", { ...services, actor });
  c.set("signedIn", { user: identity.user, via: identity.via });
  c.set("form", form);
  c.set("page", {
    csrf,
    flash: SAFE_METHODS.has(c.req.method) ? await takeFlash(c, config.ADMIN_TOKEN) : null,
    here: `${url.pathname}${url.search}`,
    timeZone: (await loadCompanyProfile(services.d1)).time_zone,
    user: { name: identity.user.name, role: identity.user.role },
    can: (method, path) => allows(actor.scopes, method, path),
  });
  await next();
});

function errorPage(error: Error, c: Context<DashboardEnv>) {
  const page = c.get("page") ?? null;
  if (error instanceof AppError && error.status < 500) {
    const title = error.status === 404 ? "Not found" : "Cannot show this";
    return render(c, <ErrorPage title={title} message={error.message} page={page} />, error.status);
  }
  console.error("dashboard: unhandled error", error);
  return render(c, <ErrorPage title="Something went wrong" message="Something went wrong on our side; nothing was changed by this page." page={page} />, 500);
}

export interface DashboardOptions {
  /** Hands a request to the Worker's own router: a test order goes in through the channel URI like a store's webhook. */
  deliver: DeliverToInbox;
}

export function createDashboard(options: DashboardOptions) {
  const dashboard = new Hono<DashboardEnv>();
  dashboard.use(securityHeaders);
  dashboard.get("/assets/:file", (c) => {
    const asset = assetAt(new URL(c.req.url).pathname);
    if (!asset) throw new AppError("not_found", "No such file");
    return c.body(asset.body, 200, { "Content-Type": asset.contentType, "Cache-Control": "public, max-age=31536000, immutable" });
  });
  dashboard.use(sameOriginPosts);
  dashboard.route("/", signInPages);

  dashboard.use(requireSession);
  dashboard.use(authorize);
  dashboard.route("/", signOutPage);
  dashboard.route("/account", accountPages);
  dashboard.route("/users", userPages);
  dashboard.route("/api-keys", apiKeyPages);
  dashboard.route("/audit", auditPages);
  dashboard.route("/", overviewPage);
  dashboard.route("/orders", inboxPages);
  dashboard.route("/orders", orderPages);
  dashboard.route("/channels", stockSyncChannelActions);
  dashboard.route("/channels", channelPages(options.deliver));
  dashboard.route("/documents", documentPages);
  dashboard.route("/documents", documentPrintPage);
  dashboard.route("/customers", customerPages);
  dashboard.route("/products", productPages);
  dashboard.route("/stock-syncs", stockSyncPages);
  dashboard.route("/deliveries", deliveryPages);
  dashboard.route("/company", companyPages);
  dashboard.all("*", () => {
    throw new AppError("not_found", "There is no such page in the dashboard.");
  });
  dashboard.onError(errorPage);
  return dashboard;
}
