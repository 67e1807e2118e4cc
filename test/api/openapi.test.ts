import { describe, expect, it } from "vitest";
import { openApiDocument, openApiPath, routeDrift, type ServedRoute } from "../../src/api/openapi";
import { createApp } from "../../src/app";
import { api, json } from "../helpers";

const routes = createApp().routes;

type Operation = { operationId?: string };
const operationsOf = (document: { paths: Record<string, Record<string, unknown>> }) =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => method !== "parameters")
      .map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, ...(operation as Operation) })),
  );

describe("the OpenAPI paths come from the routes the app serves", () => {
  it("describes every served API route and nothing else", () => {
    expect(routeDrift(routes)).toEqual({ undocumented: [], unserved: [] });
    const served = new Set(
      routes
        .filter((route) => route.method !== "ALL" && /^\/(api|in)\//.test(route.path) && route.path !== "/api/openapi.json")
        .map((route) => `${route.method} ${openApiPath(route.path)}`),
    );
    const described = operationsOf(openApiDocument(routes) as never).map((operation) => operation.key);
    expect(new Set(described)).toEqual(served);
    expect(described).toHaveLength(78);
  });

  it("refuses a served API route without a description", () => {
    const extra: ServedRoute[] = [...routes, { method: "POST", path: "/api/orders/:id/archive" }];
    expect(routeDrift(extra).undocumented).toEqual(["POST /api/orders/{id}/archive"]);
    expect(() => openApiDocument(extra)).toThrow(/Served without a description: POST \/api\/orders\/\{id\}\/archive/);
  });

  it("refuses a description whose route is no longer served", () => {
    const fewer = routes.filter((route) => !(route.method === "DELETE" && route.path === "/api/channels/:id"));
    expect(routeDrift(fewer).unserved).toEqual(["DELETE /api/channels/{id}"]);
    expect(() => openApiDocument(fewer)).toThrow(/Described but not served: DELETE \/api\/channels\/\{id\}/);
  });

  it("writes Hono's path parameters the OpenAPI way", () => {
    expect(openApiPath("/api/channels/:id/stock-syncs/:syncId")).toBe("/api/channels/{id}/stock-syncs/{syncId}");
    expect(openApiPath("/api/orders/:id{[0-9]+}")).toBe("/api/orders/{id}");
  });
});

describe("GET /api/openapi.json for client generators", () => {
  it("names every operation once, with the stable ids clients already use", async () => {
    const document = await json(await api("/api/openapi.json", { headers: { authorization: "" } }));
    const operations = operationsOf(document);
    const ids = operations.map((operation) => operation.operationId);
    expect(ids.every((id) => typeof id === "string" && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const idOf = Object.fromEntries(operations.map((operation) => [operation.key, operation.operationId]));
    expect(idOf).toMatchObject({
      "POST /in/{token}": "deliverOrder",
      "GET /api/orders": "listOrders",
      "GET /api/orders/{id}": "getOrder",
      "POST /api/orders/{id}/ignore": "ignoreOrder",
      "POST /api/orders/{id}/process": "processOrder",
      "POST /api/orders/process": "processOrders",
      "DELETE /api/channels/{id}/secrets/{secretId}": "revokeChannelSecret",
    });
  });

  it("declares its server and keeps each path parameter declared once", async () => {
    const document = await json(await api("/api/openapi.json", { headers: { authorization: "" } }));
    expect(document.servers).toEqual([{ url: "/", description: "This Worker" }]);
    expect(document.paths["/api/channels/{id}/secrets/{secretId}"].parameters.map((p: { name: string }) => p.name)).toEqual(["id", "secretId"]);
    // The channel URI declares its token on the operation, beside its signature header.
    expect(document.paths["/in/{token}"].parameters).toBeUndefined();
    expect(document.paths["/in/{token}"].post.parameters.map((p: { name: string }) => p.name)).toEqual(["token", "X-Inbox-Signature"]);
  });
});
