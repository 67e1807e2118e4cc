/**
 * The role matrix (issue 16): every route the app serves behind sign-in, API and dashboard, for
 * every role. The expectation below is written from the issue's words, NOT from ROLE_SCOPES, and
 * is held three ways: against the policy table (src/guard/policy.ts) with the roles' scopes, against
 * the live API with an API key per role, and against the live dashboard with a signed-in person per
 * role. A refused API call is 403 with the error envelope; a page hides what its reader may not do.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { mayDo, POLICY } from "../../src/guard/policy";
import { ROLE_SCOPES, ROLES, type Role } from "../../src/people/roles";
import { get, signIn, type DashboardUser, type Person } from "../dashboard/dashboard-client";
import { api, createChannel, json, ORIGIN, postOrder, sampleOrder, worker } from "../helpers";

/** Served without anyone signed in: the service's own, the channel URIs, the API's description, the sign-in pages. */
const PUBLIC = [
  "GET /",
  "GET /health",
  "POST /in/:token",
  "GET /api/openapi.json",
  "GET /dashboard/assets/:file",
  "GET /dashboard/sign-in",
  "POST /dashboard/sign-in",
  "POST /dashboard/sign-in/first-owner",
];

const SERVED = [...new Set(createApp().routes.filter((route) => route.method !== "ALL").map((route) => `${route.method} ${route.path}`))];
const GUARDED = SERVED.filter((key) => !PUBLIC.includes(key)).sort();
const API_ROUTES = GUARDED.filter((key) => key.split(" ")[1].startsWith("/api/"));
const DASHBOARD_ROUTES = GUARDED.filter((key) => key.split(" ")[1].startsWith("/dashboard"));

// ---- What the issue says each role may do, route by route. First matching rule wins.
const EVERYONE: readonly Role[] = ROLES;
const OWNER: readonly Role[] = ["owner"];
const BOOKS: readonly Role[] = ["owner", "bookkeeper"];
const FLOOR: readonly Role[] = ["owner", "operator"];
const WORK: readonly Role[] = ["owner", "bookkeeper", "operator"];

const EXPECTED_RULES: ReadonlyArray<readonly [RegExp, readonly Role[], string]> = [
  [/^(GET \/api\/me|GET \/dashboard|GET \/dashboard\/account|POST \/dashboard\/account\/password|POST \/dashboard\/sign-out)$/, EVERYONE, "one's own account"],
  [/ \/(api|dashboard)\/(users|api-keys)(\/|$)/, OWNER, "people and API keys: the owner's"],
  [/^GET \/(api|dashboard)\/audit$/, BOOKS, "the audit trail: owner and bookkeeper"],
  [/^GET \/api\/documents\/export\.csv$/, BOOKS, "exports: owner and bookkeeper"],
  [/^GET /, EVERYONE, "reading: every role"],
  [/^POST \/api\/orders\/:id\/preview$/, EVERYONE, "a preview changes nothing: a read"],
  [/ \/(api|dashboard)\/channels\/:id\/secrets(\/|$)/, OWNER, "channel secrets: the owner's"],
  [/ \/(api|dashboard)\/channels\/:id\/(reconcile|test-order)$/, WORK, "fetching missed orders, a test order: order work"],
  [/^POST \/(api|dashboard)\/channels\/:id\/stock-sync$/, FLOOR, "starting a stock sync: stock work"],
  [/ \/(api|dashboard)\/channels(\/|$)/, OWNER, "channel create/change/delete/automation/connect/settings"],
  [/ \/(api|dashboard)\/orders(\/|$)/, WORK, "orders: process, ignore, restore, reprocess"],
  [/ \/(api|dashboard)\/documents\/:id\/payments$/, BOOKS, "payments: the bookkeeper's"],
  [/ \/(api|dashboard)\/documents(\/|$)/, BOOKS, "documents execute/cancel/credit/e-mail: the bookkeeper's"],
  [/ \/api\/(stock|warehouses)(\/|$)/, FLOOR, "stock counts, imports, warehouses: the operator's"],
  [/ \/(api|dashboard)\/deliveries\/:id\/confirm$/, FLOOR, "confirming a delivery: the operator's"],
  [/ \/(api|dashboard)\/(customers|products)(\/|$)/, WORK, "customers and products"],
  [/ \/(api|dashboard)\/(company|tax-codes|exchange-rates)(\/|$)/, BOOKS, "settings: company, tax codes, exchange rates"],
];

function expected(key: string): readonly Role[] {
  const rule = EXPECTED_RULES.find(([pattern]) => pattern.test(key));
  if (!rule) throw new Error(`the matrix has no expectation for ${key}: add one from the issue's words`);
  return rule[1];
}
const mayExpect = (role: Role, key: string) => expected(key).includes(role);

const fill = (path: string) => path.replace(/:[A-Za-z]+/g, "nope_1");

describe("the route policy covers exactly the routes served", () => {
  it("lists the public routes, which are served and have no policy entry", () => {
    for (const key of PUBLIC) {
      expect(SERVED, `${key} is listed as public but not served`).toContain(key);
      expect(POLICY[key], `${key} is public but has a policy entry`).toBeUndefined();
    }
  });

  it("has a policy entry for every served route behind sign-in", () => {
    expect(GUARDED.filter((key) => !POLICY[key])).toEqual([]);
    expect(API_ROUTES.length).toBeGreaterThan(50);
    expect(DASHBOARD_ROUTES.length).toBeGreaterThan(40);
  });

  it("serves every route the policy lists", () => {
    expect(Object.keys(POLICY).filter((key) => !GUARDED.includes(key))).toEqual([]);
  });
});

describe("the policy agrees with what the issue says each role may do", () => {
  it.each(ROLES)("%s", (role) => {
    const scopes = new Set<string>(ROLE_SCOPES[role]);
    const disagreements = GUARDED.filter((key) => mayDo(scopes, POLICY[key].need) !== mayExpect(role, key)).map(
      (key) => `${key}: policy ${mayDo(scopes, POLICY[key].need) ? "allows" : "refuses"} (needs ${POLICY[key].need}), issue ${mayExpect(role, key) ? "allows" : "refuses"}`,
    );
    expect(disagreements).toEqual([]);
  });

  it("gives a viewer no change at all, and the owner everything", () => {
    const viewerWrites = GUARDED.filter((key) => !key.startsWith("GET ") && mayExpect("viewer", key));
    expect(viewerWrites.sort()).toEqual(["POST /api/orders/:id/preview", "POST /dashboard/account/password", "POST /dashboard/sign-out"]);
    expect(GUARDED.filter((key) => !mayExpect("owner", key))).toEqual([]);
  });
});

async function apiKeyFor(role: Role): Promise<string> {
  const response = await api("/api/api-keys", { method: "POST", json: { name: `Matrix ${role}`, role } });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await json<{ key: string }>(response)).key;
}

async function callApi(key: string, route: string): Promise<Response> {
  const [method, path] = route.split(" ");
  const write = method !== "GET";
  return worker().fetch(
    new Request(`${ORIGIN}${fill(path)}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(write ? { "content-type": "application/json" } : {}) },
      body: write ? "{}" : undefined,
    }),
  );
}

describe("the live API, with an API key of each role", () => {
  it.each(ROLES)("%s: 403 with the error envelope exactly where the role may not", async (role) => {
    const key = await apiKeyFor(role);
    const mismatches: string[] = [];
    for (const route of API_ROUTES) {
      const response = await callApi(key, route);
      const text = await response.text();
      if (mayExpect(role, route)) {
        if (response.status === 401 || response.status === 403) mismatches.push(`${route}: ${response.status} but the role may (${text.slice(0, 160)})`);
        continue;
      }
      if (response.status !== 403) {
        mismatches.push(`${route}: ${response.status} but the role may not`);
        continue;
      }
      const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
      if (Object.keys(body).join() !== "error" || Object.keys(body.error ?? {}).sort().join() !== "code,message" || body.error?.code !== "forbidden" || typeof body.error?.message !== "string" || !body.error.message) {
        mismatches.push(`${route}: 403 without the error envelope: ${text.slice(0, 160)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("says what permission a viewer's POST lacks", async () => {
    const response = await callApi(await apiKeyFor("viewer"), "POST /api/orders/:id/ignore");
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: { code: "forbidden", message: "The API key “Matrix viewer” may not do this: it needs the orders:write permission" } });
  });

  it("holds a key with scopes only to those scopes", async () => {
    const created = await api("/api/api-keys", { method: "POST", json: { name: "Order reader", scopes: ["orders:read"] } });
    expect(created.status).toBe(201);
    const { key } = await json<{ key: string }>(created);
    expect((await callApi(key, "GET /api/orders")).status).toBe(200);
    const ignore = await callApi(key, "POST /api/orders/:id/ignore");
    expect(ignore.status).toBe(403);
    expect((await json(ignore)).error.code).toBe("forbidden");
    const documents = await callApi(key, "GET /api/documents");
    expect(documents.status).toBe(403);
    expect((await json(documents)).error.code).toBe("forbidden");
  });
});

const person = (role: Role): Person => ({ email: `${role}@matrix.test`, password: `a long ${role} password 123`, name: `Matrix ${role}`, role });

/** Posts a form as the user with the session's CSRF token; follows no redirect. */
async function postForm(user: DashboardUser, path: string): Promise<Response> {
  return worker().fetch(
    new Request(`${ORIGIN}${path}`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, cookie: user.cookie },
      body: new URLSearchParams({ _csrf: user.csrf }),
    }),
  );
}

describe("the live dashboard, signed in as each role", () => {
  it.each(ROLES)("%s: 403 exactly where the role may not, for every page and every form", async (role) => {
    const user = await signIn(person(role));
    expect(user.csrf).not.toBe("");
    const mismatches: string[] = [];
    // Signing out ends the session: last.
    const routes = [...DASHBOARD_ROUTES.filter((key) => key !== "POST /dashboard/sign-out"), "POST /dashboard/sign-out"];
    for (const route of routes) {
      const [method, path] = route.split(" ");
      const response = method === "GET" ? (await get(user, fill(path))).response : await postForm(user, fill(path));
      if (method !== "GET") await response.arrayBuffer();
      const may = mayExpect(role, route);
      if (may && (response.status === 401 || response.status === 403)) mismatches.push(`${route}: ${response.status} but the role may`);
      if (!may && response.status !== 403) mismatches.push(`${route}: ${response.status} but the role may not`);
      // Still signed in (a 302 to the sign-in page would make every later answer meaningless).
      if (route !== "POST /dashboard/sign-out" && response.headers.get("location")?.startsWith("/dashboard/sign-in")) mismatches.push(`${route}: sent to sign in`);
    }
    expect(mismatches).toEqual([]);
    expect((await get(user, "/dashboard")).response.headers.get("location")).toMatch(/^\/dashboard\/sign-in/);
  });

  it("tells a viewer which permission a refused form needs", async () => {
    const viewer = await signIn(person("viewer"));
    const response = await postForm(viewer, "/dashboard/orders/nope_1/ignore");
    expect(response.status).toBe(403);
    const html = await response.text();
    expect(html).toContain("Matrix viewer (viewer) may not do this: it needs the orders:write permission");
  });
});

describe("pages hide what the role cannot do", () => {
  const ids: { order?: string; executed?: string; draft?: string } = {};
  const users = {} as Record<Role, DashboardUser>;
  const WAIT = { timeout: 10_000, interval: 50 };

  async function storedOrder(): Promise<string> {
    const response = await postOrder(channel, JSON.stringify(sampleOrder()));
    expect(response.status).toBe(202);
    const id = (await json(response)).order_id as string;
    await vi.waitFor(async () => expect((await json(await api(`/api/orders/${id}`))).processing.state).toBe("done"), WAIT);
    return id;
  }
  async function processed(id: string, execute: boolean): Promise<string> {
    const response = await api(`/api/orders/${id}/process`, { method: "POST", json: { type: "invoice", execute } });
    expect(response.status, await response.clone().text()).toBe(200);
    const document = (await json(response)).document as { id: string; status: string };
    expect(document.status).toBe(execute ? "executed" : "draft");
    return document.id;
  }
  let channel: Awaited<ReturnType<typeof createChannel>>;

  beforeAll(async () => {
    channel = await createChannel("Matrix shop");
    // The sample order's product, in stock, so its invoice can be executed.
    await api("/api/products", { method: "POST", json: { sku: "SKU-0001", name: "Linen apron", unit_price: "10.00", currency: "EUR", tax_rate: "21" } });
    await api("/api/stock/SKU-0001", { method: "PUT", json: { on_hand: 40, reason: "count" } });
    ids.order = await storedOrder();
    ids.executed = await processed(await storedOrder(), true);
    ids.draft = await processed(await storedOrder(), false);
    for (const role of ROLES) users[role] = await signIn(person(role));
  });

  const nav = (html: string) => /<nav aria-label="Main">([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? "";
  const formTo = (action: string) => `action="${action}"`;

  it("a viewer's order page has no action forms and the nav no Users, API keys or Audit", async () => {
    const ignore = formTo(`/dashboard/orders/${ids.order}/ignore`);
    const process = formTo(`/dashboard/orders/${ids.order}/process`);
    const owner = await get(users.owner, `/dashboard/orders/${ids.order}`);
    expect(owner.html).toContain(ignore);
    expect(owner.html).toContain(process);
    for (const link of ["/dashboard/users", "/dashboard/api-keys", "/dashboard/audit"]) expect(nav(owner.html)).toContain(`href="${link}"`);

    const viewer = await get(users.viewer, `/dashboard/orders/${ids.order}`);
    expect(viewer.status).toBe(200);
    expect(viewer.html).not.toContain(ignore);
    expect(viewer.html).not.toContain(process);
    expect(nav(viewer.html)).toContain('href="/dashboard/orders"');
    for (const link of ["/dashboard/users", "/dashboard/api-keys", "/dashboard/audit"]) expect(nav(viewer.html)).not.toContain(`href="${link}"`);
  });

  it("an operator's document pages have no credit, cancel, execute or payment form; a bookkeeper's do", async () => {
    const executedForms = [formTo(`/dashboard/documents/${ids.executed}/credit`), formTo(`/dashboard/documents/${ids.executed}/payments`)];
    const draftForms = [formTo(`/dashboard/documents/${ids.draft}/cancel`), formTo(`/dashboard/documents/${ids.draft}/execute`)];
    for (const [role, shown] of [["bookkeeper", true], ["operator", false], ["viewer", false]] as const) {
      const executed = await get(users[role], `/dashboard/documents/${ids.executed}`);
      const draft = await get(users[role], `/dashboard/documents/${ids.draft}`);
      expect(executed.status).toBe(200);
      expect(draft.status).toBe(200);
      for (const action of executedForms) expect(executed.html.includes(action), `${role}: ${action}`).toBe(shown);
      for (const action of draftForms) expect(draft.html.includes(action), `${role}: ${action}`).toBe(shown);
    }
  });

  it("a bookkeeper's nav has Audit but not Users or API keys; an operator's has neither", async () => {
    const bookkeeper = nav((await get(users.bookkeeper, "/dashboard")).html);
    expect(bookkeeper).toContain('href="/dashboard/audit"');
    expect(bookkeeper).not.toContain('href="/dashboard/users"');
    expect(bookkeeper).not.toContain('href="/dashboard/api-keys"');
    const operator = nav((await get(users.operator, "/dashboard")).html);
    expect(operator).toContain('href="/dashboard/orders"');
    for (const link of ["/dashboard/users", "/dashboard/api-keys", "/dashboard/audit"]) expect(operator).not.toContain(`href="${link}"`);
  });

  it("an operator's order page keeps Ignore; a bookkeeper's channel page has no secret or delete forms", async () => {
    expect((await get(users.operator, `/dashboard/orders/${ids.order}`)).html).toContain(formTo(`/dashboard/orders/${ids.order}/ignore`));
    const owner = await get(users.owner, `/dashboard/channels/${channel.id}`);
    const bookkeeper = await get(users.bookkeeper, `/dashboard/channels/${channel.id}`);
    for (const action of [`/dashboard/channels/${channel.id}/secrets`, `/dashboard/channels/${channel.id}/delete`]) {
      expect(owner.html).toContain(formTo(action));
      expect(bookkeeper.html).not.toContain(formTo(action));
    }
  });
});
