/**
 * The Shopify stock-push primitives (`src/channels/shopify/shopify-inventory.ts`) over real HTTP against the
 * fake shop's Admin GraphQL endpoint, and the fake's own GraphQL behaviours that the client relies on.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ShopifyClientOptions } from "../../src/channels/shopify/shopify-api";
import { createShopifyInventoryClient, MAX_QUANTITIES } from "../../src/channels/shopify/shopify-inventory";
import { StoreApiError } from "../../src/channels/store-api-error";
import {
  configureShop,
  type FakeShopifyVariant,
  injectFaults,
  requestLog,
  seedShopifyLocations,
  seedShopifyVariants,
  setShopifyGraphqlBucket,
  shopBaseUrl,
  shopifyInventoryLevels,
} from "../fakes/shopify-control";

const FAKE = env.SHOPIFY_FAKE_URL;
const TOKEN = "shpat_inventory_test_token";
const WAREHOUSE = "gid://shopify/Location/7001";
const SHOPFRONT = "gid://shopify/Location/7002";

const variant = (n: number, sku: string | null, extra: Partial<FakeShopifyVariant> = {}): FakeShopifyVariant => ({
  id: `gid://shopify/ProductVariant/${n}`,
  sku,
  inventoryItemId: `gid://shopify/InventoryItem/${n}`,
  ...extra,
});
const item = (n: number) => `gid://shopify/InventoryItem/${n}`;

async function shop(key: string, config: { graphqlMaximumAvailable?: number; graphqlRestoreRate?: number } = {}) {
  await configureShop(FAKE, key, { accessToken: TOKEN, ...config });
  await seedShopifyLocations(FAKE, key, [
    { id: WAREHOUSE, name: "Warehouse" },
    { id: SHOPFRONT, name: "Shopfront" },
  ]);
  return key;
}

function client(key: string, options: Partial<ShopifyClientOptions> = {}) {
  return createShopifyInventoryClient({
    baseUrl: shopBaseUrl(FAKE, key),
    accessToken: TOKEN,
    apiVersion: "2026-07",
    fetch: (input, init) => fetch(input, init),
    ...options,
  });
}

/** A GraphQL request straight to the fake, for what the client never sends. */
async function graphql(key: string, version: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${shopBaseUrl(FAKE, key)}/admin/api/${version}/graphql.json`, {
    method: "POST",
    headers: { "x-shopify-access-token": TOKEN, "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function failure(promise: Promise<unknown>): Promise<StoreApiError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StoreApiError);
  return error as StoreApiError;
}

const graphqlLog = async (key: string) => (await requestLog(FAKE, key)).filter((entry) => entry.graphql);

const SET_MUTATION = (directive: string, extraInput = "") => `mutation Set($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input)${directive} { inventoryAdjustmentGroup { reason } userErrors { field message code } }
}${extraInput}`;
const setInput = (quantity: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  input: { name: "available", reason: "correction", quantities: [{ inventoryItemId: item(1), locationId: WAREHOUSE, quantity: 3, ...quantity }], ...extra },
  key: crypto.randomUUID(),
});

describe("variantsBySku", () => {
  it("keeps exact SKUs only: a SKU that is a prefix of another, other casing and missing SKUs are told apart", async () => {
    const key = await shop("inv-exact");
    await seedShopifyVariants(FAKE, key, [
      variant(11, "MUG-RED"),
      variant(12, "MUG"),
      variant(13, "mug"),
      variant(14, "TEE", { tracked: false }),
      variant(15, 'A "B" C'),
      variant(16, null),
    ]);
    const shopify = client(key);

    const found = await shopify.variantsBySku(["MUG", "TEE", "NOPE", 'A "B" C', "MUG"]);

    expect(Object.fromEntries(found)).toEqual({
      MUG: { variantId: "gid://shopify/ProductVariant/12", inventoryItemId: item(12), tracked: true },
      TEE: { variantId: "gid://shopify/ProductVariant/14", inventoryItemId: item(14), tracked: false },
      'A "B" C': { variantId: "gid://shopify/ProductVariant/15", inventoryItemId: item(15), tracked: true },
    });
    expect(shopify.requests).toBe(1);
    const [entry] = await graphqlLog(key);
    expect(entry.graphql).toMatchObject({
      rootField: "productVariants",
      variables: { first: 250, after: null, query: 'sku:"MUG" OR sku:"TEE" OR sku:"NOPE" OR sku:"A \\"B\\" C"' },
    });
  });

  it("follows pageInfo past a full page to the exact SKU", async () => {
    const key = await shop("inv-paging");
    // 260 SKUs starting with "P" answer the search for "P"; the one that is exactly "P" comes last.
    await seedShopifyVariants(FAKE, key, [...Array.from({ length: 260 }, (_, i) => variant(100 + i, `P-${i}`)), variant(999, "P")]);
    const shopify = client(key);

    const found = await shopify.variantsBySku(["P"]);

    expect(found.get("P")?.inventoryItemId).toBe(item(999));
    expect(shopify.requests).toBe(2);
    const pages = await graphqlLog(key);
    expect(pages.map((entry) => (entry.graphql?.variables as { after: unknown }).after === null)).toEqual([true, false]);
  });

  it("searches at most 100 SKUs a request", async () => {
    const key = await shop("inv-chunks");
    const skus = Array.from({ length: 150 }, (_, i) => `S${String(i).padStart(3, "0")}`);
    await seedShopifyVariants(FAKE, key, skus.map((sku, i) => variant(1000 + i, sku)));
    const shopify = client(key);

    const found = await shopify.variantsBySku(skus);

    expect(found.size).toBe(150);
    const terms = (await graphqlLog(key)).map((entry) => String((entry.graphql?.variables as { query: string }).query).split(" OR ").length);
    expect(terms).toEqual([100, 50]);
  });

  it("makes no request for no SKUs", async () => {
    const shopify = client(await shop("inv-none"));
    expect((await shopify.variantsBySku([])).size).toBe(0);
    expect(shopify.requests).toBe(0);
  });
});

describe("locations", () => {
  it("lists the active locations only", async () => {
    const key = await shop("inv-locations");
    await seedShopifyLocations(FAKE, key, [{ id: "gid://shopify/Location/7003", name: "Closed store", isActive: false }]);
    expect(await client(key).locations()).toEqual([
      { id: WAREHOUSE, name: "Warehouse" },
      { id: SHOPFRONT, name: "Shopfront" },
    ]);
  });
});

describe("setAvailable", () => {
  it("sets available at the location and leaves other locations alone", async () => {
    const key = await shop("inv-set");
    await seedShopifyVariants(FAKE, key, [variant(1, "A"), variant(2, "B", { available: { [WAREHOUSE]: 5 } })]);
    const shopify = client(key);

    const outcomes = await shopify.setAvailable({
      locationId: WAREHOUSE,
      quantities: [
        { inventoryItemId: item(1), quantity: 7 },
        { inventoryItemId: item(2), quantity: -2 },
      ],
      idempotencyKey: "0f4c7a1e-0000-4000-8000-000000000001",
      syncId: "run 1",
    });

    expect(outcomes).toEqual([
      { inventoryItemId: item(1), ok: true },
      { inventoryItemId: item(2), ok: true },
    ]);
    expect(await shopifyInventoryLevels(FAKE, key)).toEqual([
      { inventoryItemId: item(1), locationId: WAREHOUSE, available: 7 },
      { inventoryItemId: item(1), locationId: SHOPFRONT, available: 0 },
      { inventoryItemId: item(2), locationId: WAREHOUSE, available: -2 },
    ]);
    const [entry] = await graphqlLog(key);
    expect(entry.graphql).toEqual({
      rootField: "inventorySetQuantities",
      requestedQueryCost: 10,
      variables: {
        input: {
          name: "available",
          reason: "correction",
          referenceDocumentUri: "gid://sales-inbox/StockSync/run%201",
          quantities: [
            { inventoryItemId: item(1), locationId: WAREHOUSE, quantity: 7, changeFromQuantity: null },
            { inventoryItemId: item(2), locationId: WAREHOUSE, quantity: -2, changeFromQuantity: null },
          ],
        },
        idempotencyKey: "0f4c7a1e-0000-4000-8000-000000000001",
      },
    });
  });

  it.each([
    ["2025-10", { ignoreCompareQuantity: true }, false],
    ["2026-01", {}, true],
    ["2026-04", {}, true],
    ["2026-07", {}, true],
    ["unstable", {}, true],
  ])("speaks API version %s as that version expects", async (apiVersion, inputExtra, idempotent) => {
    const key = await shop(`inv-version-${apiVersion}`);
    await seedShopifyVariants(FAKE, key, [variant(1, "A")]);

    const outcomes = await client(key, { apiVersion }).setAvailable({
      locationId: WAREHOUSE,
      quantities: [{ inventoryItemId: item(1), quantity: 4 }],
      idempotencyKey: crypto.randomUUID(),
      syncId: "s",
    });

    expect(outcomes).toEqual([{ inventoryItemId: item(1), ok: true }]);
    expect((await shopifyInventoryLevels(FAKE, key))[0].available).toBe(4);
    const [entry] = await graphqlLog(key);
    expect(entry.path).toBe(`/admin/api/${apiVersion}/graphql.json`);
    const variables = entry.graphql?.variables as { input: Record<string, unknown>; idempotencyKey?: string };
    expect(variables.input).toMatchObject(inputExtra);
    expect("ignoreCompareQuantity" in variables.input).toBe(!idempotent);
    expect("idempotencyKey" in variables).toBe(idempotent);
  });

  it("reports the refused item by its index, and the rest of the call as not applied", async () => {
    const key = await shop("inv-user-error");
    await seedShopifyVariants(FAKE, key, [variant(1, "A"), variant(2, "B", { available: { [SHOPFRONT]: 1 } })]);

    const outcomes = await client(key).setAvailable({
      locationId: WAREHOUSE,
      quantities: [
        { inventoryItemId: item(1), quantity: 9 },
        { inventoryItemId: item(404), quantity: 1 },
        { inventoryItemId: item(2), quantity: 1 },
      ],
      idempotencyKey: crypto.randomUUID(),
      syncId: "s",
    });

    expect(outcomes).toEqual([
      { inventoryItemId: item(1), ok: false, code: "NOT_APPLIED", error: expect.stringMatching(/#1 .*#2 /) },
      { inventoryItemId: item(404), ok: false, code: "INVALID_INVENTORY_ITEM", error: "INVALID_INVENTORY_ITEM: The specified inventory item could not be found." },
      { inventoryItemId: item(2), ok: false, code: "ITEM_NOT_STOCKED_AT_LOCATION", error: expect.stringContaining("not stocked") },
    ]);
    // Shopify applies a call whole or not at all.
    expect((await shopifyInventoryLevels(FAKE, key)).find((level) => level.inventoryItemId === item(1) && level.locationId === WAREHOUSE)?.available).toBe(0);
  });

  it("fails every item on a userError that names none: an idempotency key reused with other quantities", async () => {
    const key = await shop("inv-key-reuse");
    await seedShopifyVariants(FAKE, key, [variant(1, "A"), variant(2, "B")]);
    const shopify = client(key);
    const call = (quantity: number) =>
      shopify.setAvailable({
        locationId: WAREHOUSE,
        quantities: [
          { inventoryItemId: item(1), quantity },
          { inventoryItemId: item(2), quantity },
        ],
        idempotencyKey: "same-key",
        syncId: "s",
      });

    expect((await call(3)).every((outcome) => outcome.ok)).toBe(true);
    expect(await call(3)).toEqual([
      { inventoryItemId: item(1), ok: true },
      { inventoryItemId: item(2), ok: true },
    ]);
    const reused = await call(8);
    expect(reused.map((outcome) => [outcome.ok, outcome.code])).toEqual([
      [false, "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"],
      [false, "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"],
    ]);
    expect((await shopifyInventoryLevels(FAKE, key)).filter((level) => level.locationId === WAREHOUSE).map((level) => level.available)).toEqual([3, 3]);
  });

  it(`refuses more than ${MAX_QUANTITIES} quantities before sending anything (the caller splits them)`, async () => {
    const shopify = client(await shop("inv-too-many"));
    const quantities = Array.from({ length: MAX_QUANTITIES + 1 }, (_, i) => ({ inventoryItemId: item(i + 1), quantity: 1 }));
    const error = await shopify.setAvailable({ locationId: WAREHOUSE, quantities, idempotencyKey: "k", syncId: "s" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(StoreApiError);
    expect((error as Error).message).toMatch(/at most 250/);
    expect(shopify.requests).toBe(0);
  });

  it("refuses a quantity that is not an integer before sending anything", async () => {
    const shopify = client(await shop("inv-fraction"));
    await expect(
      shopify.setAvailable({ locationId: WAREHOUSE, quantities: [{ inventoryItemId: item(1), quantity: 1.5 }], idempotencyKey: "k", syncId: "s" }),
    ).rejects.toThrow(/must be an integer/);
    expect(shopify.requests).toBe(0);
  });
});

describe("failures", () => {
  it("maps THROTTLED (HTTP 200) to a retryable StoreApiError that says how long to wait", async () => {
    const key = await shop("inv-throttled", { graphqlMaximumAvailable: 100, graphqlRestoreRate: 1 });
    await seedShopifyVariants(FAKE, key, [variant(1, "A")]);
    await setShopifyGraphqlBucket(FAKE, key, { currentlyAvailable: 4 });
    const input = { locationId: WAREHOUSE, quantities: [{ inventoryItemId: item(1), quantity: 2 }], idempotencyKey: crypto.randomUUID(), syncId: "s" };

    const error = await failure(client(key).setAvailable(input));

    // (10 requested − 4 available) / 1 point a second.
    expect(error).toMatchObject({ status: 429, code: "THROTTLED", retryable: true, retryAfterMs: 6000 });
    const [entry] = await graphqlLog(key);
    expect(entry).toMatchObject({ status: 200, graphql: { rootField: "inventorySetQuantities", requestedQueryCost: 10, throttled: true } });
    expect((await shopifyInventoryLevels(FAKE, key))[0].available).toBe(0);
  });

  it("waits as told and tries again when allowed more than one attempt", async () => {
    const key = await shop("inv-throttled-retry", { graphqlMaximumAvailable: 300, graphqlRestoreRate: 1 });
    await seedShopifyVariants(FAKE, key, [variant(1, "A")]);
    await setShopifyGraphqlBucket(FAKE, key, { currentlyAvailable: 0 });
    const sleeps: number[] = [];
    const shopify = client(key, {
      maxAttempts: 3,
      sleep: async (ms) => {
        sleeps.push(ms);
        await setShopifyGraphqlBucket(FAKE, key, { currentlyAvailable: 300 }); // the wait, without waiting
      },
    });

    const found = await shopify.variantsBySku(["A"]);

    expect(found.get("A")?.inventoryItemId).toBe(item(1));
    expect(sleeps).toEqual([252_000]); // 2 + first (250) points at 1 a second
    expect(shopify.requests).toBe(2);
  });

  it.each([
    ["HTTP 429 with Retry-After", { status: 429, count: 1 }, { status: 429, code: "THROTTLED", retryable: true, retryAfterMs: 2000 }],
    ["HTTP 503", { status: 503, count: 1 }, { status: 503, code: null, retryable: true }],
    ["HTTP 403", { status: 403, count: 1 }, { status: 403, code: null, retryable: false }],
  ])("maps %s", async (_, fault, expected) => {
    const key = await shop(`inv-fault-${fault.status}`);
    await injectFaults(FAKE, key, fault);
    expect(await failure(client(key).locations())).toMatchObject(expected);
  });

  it("says a wrong token is not worth retrying, with Shopify's words", async () => {
    const key = await shop("inv-401");
    const shopify = client(key, { accessToken: "shpat_wrong", maxAttempts: 3, sleep: async () => undefined });
    const error = await failure(shopify.locations());
    expect(error).toMatchObject({ status: 401, retryable: false, message: expect.stringContaining("Invalid API key or access token") });
    expect(shopify.requests).toBe(1);
  });

  it.each([
    ["a GraphQL error", { errors: [{ message: "Field 'nope' doesn't exist on type 'QueryRoot'", extensions: { code: "undefinedField" } }] }, { code: "undefinedField", retryable: false }],
    ["Shopify's internal error", { errors: [{ message: "Internal error. Looks like something went wrong on our end.", extensions: { code: "INTERNAL_SERVER_ERROR" } }] }, { code: "INTERNAL_SERVER_ERROR", retryable: true }],
    ["an answer without data", { data: null }, { code: null, retryable: false }],
  ])("maps %s answered with HTTP 200", async (_, body, expected) => {
    const shopify = createShopifyInventoryClient({ baseUrl: "https://example.myshopify.com", accessToken: TOKEN, apiVersion: "2026-07", fetch: async () => Response.json(body) });
    expect(await failure(shopify.locations())).toMatchObject({ status: 200, ...expected });
  });

  it("calls an unreachable shop retryable", async () => {
    const shopify = createShopifyInventoryClient({
      baseUrl: "https://example.myshopify.com",
      accessToken: TOKEN,
      apiVersion: "2026-07",
      fetch: async () => {
        throw new TypeError("connection refused");
      },
    });
    expect(await failure(shopify.locations())).toMatchObject({ status: 0, retryable: true, message: expect.stringContaining("connection refused") });
  });
});

describe("the fake's Admin GraphQL", () => {
  it("answers productVariants in Shopify's shape, with the query cost", async () => {
    const key = await shop("gql-shape");
    await seedShopifyVariants(FAKE, key, [variant(1, "AB"), variant(2, "AB C"), variant(3, "X")]);
    const { status, body } = await graphql(
      key,
      "2026-07",
      "query V($first: Int!, $q: String) { productVariants(first: $first, query: $q) { nodes { id sku inventoryItem { id tracked } } pageInfo { hasNextPage endCursor } } }",
      { first: 1, q: 'sku:ab OR sku:"X"' },
    );
    expect(status).toBe(200);
    expect(body).toEqual({
      data: {
        productVariants: {
          nodes: [{ id: "gid://shopify/ProductVariant/1", sku: "AB", inventoryItem: { id: item(1), tracked: true } }],
          pageInfo: { hasNextPage: true, endCursor: expect.any(String) },
        },
      },
      extensions: { cost: { requestedQueryCost: 3, actualQueryCost: 3, throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 1997, restoreRate: 100 } } },
    });
  });

  it.each([
    ["2026-04", "", "refused", /@idempotent directive is required/],
    ["2026-07", "", "refused", /@idempotent directive is required/],
    ["2026-01", "", "applied", null],
    ["2026-07", " @idempotent(key: $key)", "applied", null],
    ["2025-10", " @idempotent(key: $key)", "refused", /Directive 'idempotent' is not defined/],
  ])("on %s, inventorySetQuantities%s is %s", async (version, directive, verdict, message) => {
    const key = await shop(`gql-idem-${version}-${directive ? "with" : "without"}`);
    await seedShopifyVariants(FAKE, key, [variant(1, "A")]);
    const variables = version < "2026-01" ? setInput({}, { ignoreCompareQuantity: true }) : setInput({ changeFromQuantity: null });
    const { body } = await graphql(key, version, SET_MUTATION(directive), variables);
    if (verdict === "applied") {
      expect(body.data.inventorySetQuantities).toEqual({ inventoryAdjustmentGroup: expect.objectContaining({ reason: "correction" }), userErrors: [] });
      expect((await shopifyInventoryLevels(FAKE, key))[0].available).toBe(3);
    } else {
      expect(body.data).toBeUndefined();
      expect(body.errors[0].message).toMatch(message!);
      expect((await shopifyInventoryLevels(FAKE, key))[0].available).toBe(0);
    }
  });

  it.each([
    ["ignoreCompareQuantity, removed in 2026-04", setInput({ changeFromQuantity: null }, { ignoreCompareQuantity: true }), /ignoreCompareQuantity \(Field is not defined/],
    ["a quantity without changeFromQuantity", setInput({}), /changeFromQuantity must be given/],
    ["a fractional quantity", setInput({ quantity: 1.5, changeFromQuantity: null }), /Could not coerce value 1.5 to Int/],
    [
      "251 quantities",
      { input: { name: "available", reason: "correction", quantities: Array.from({ length: 251 }, (_, i) => ({ inventoryItemId: item(i + 1), locationId: WAREHOUSE, quantity: 1, changeFromQuantity: null })) }, key: "k" },
      /greater than the maximum allowed of 250/,
    ],
  ])("refuses %s on 2026-07 as a GraphQL error", async (_, variables, message) => {
    const key = await shop(`gql-refuse-${crypto.randomUUID().slice(0, 8)}`);
    await seedShopifyVariants(FAKE, key, [variant(1, "A")]);
    const { body } = await graphql(key, "2026-07", SET_MUTATION(" @idempotent(key: $key)"), variables);
    expect(body.errors[0].message).toMatch(message);
  });

  it("checks changeFromQuantity when it is a number", async () => {
    const key = await shop("gql-cas");
    await seedShopifyVariants(FAKE, key, [variant(1, "A", { available: { [WAREHOUSE]: 5 } })]);
    const stale = await graphql(key, "2026-07", SET_MUTATION(" @idempotent(key: $key)"), setInput({ changeFromQuantity: 4 }));
    expect(stale.body.data.inventorySetQuantities.userErrors).toEqual([
      { field: ["input", "quantities", "0", "changeFromQuantity"], message: "The changeFromQuantity value does not match persisted value.", code: "CHANGE_FROM_QUANTITY_STALE" },
    ]);
    const fresh = await graphql(key, "2026-07", SET_MUTATION(" @idempotent(key: $key)"), setInput({ changeFromQuantity: 5 }));
    expect(fresh.body.data.inventorySetQuantities.userErrors).toEqual([]);
    expect((await shopifyInventoryLevels(FAKE, key))[0].available).toBe(3);
  });

  it.each([
    ["another root field", "{ shop { name } }", /the root field "shop" is not implemented by the fake/],
    ["two root fields", "{ locations(first: 1) { nodes { id } } shop { name } }", /2 root fields .* not implemented by the fake/],
    ["another search", "{ productVariants(first: 1, query: \"title:mug\") { nodes { id } } }", /only sku:<value> terms .* not implemented by the fake/],
    ["an unimplemented argument", "{ productVariants(first: 1, sortKey: SKU) { nodes { id } } }", /productVariants\(sortKey:\) is not implemented by the fake/],
  ])("refuses %s as not implemented", async (_, query, message) => {
    const key = await shop("gql-unimplemented");
    const { status, body } = await graphql(key, "2026-07", query);
    expect(status).toBe(200);
    expect(body.errors[0].message).toMatch(message);
  });

  it("answers a wrong token with 401 and Shopify's REST wording", async () => {
    const key = await shop("gql-401");
    const response = await fetch(`${shopBaseUrl(FAKE, key)}/admin/api/2026-07/graphql.json`, {
      method: "POST",
      headers: { "x-shopify-access-token": "shpat_wrong", "content-type": "application/json" },
      body: JSON.stringify({ query: "{ locations(first: 1) { nodes { id } } }" }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
  });
});
