/**
 * @module
 * The Shopify Admin GraphQL calls a stock sync needs (shopify.md §5): find the inventory item behind each SKU,
 * list the shop's locations, and set `available` quantities with `inventorySetQuantities`. `fetch` and the
 * sleep are injected, so tests point it at the fake shop (`test/fakes/shopify-server.ts`).
 *
 * Every argument travels in `variables`, never spliced into the query text, so no value needs GraphQL escaping.
 *
 * Version differences it follows (the version is the channel's `api_version`, 2026-07 by default):
 * - `@idempotent(key:)` exists from 2026-01 and is required from 2026-04; older versions do not know the
 *   directive, so it is sent from 2026-01 on.
 * - The compare-and-swap opt-out is `changeFromQuantity: null` on every quantity from 2026-01 (mandatory from
 *   2026-04, when `ignoreCompareQuantity` was removed); before 2026-01 it is `ignoreCompareQuantity: true`.
 *   The inbox is the source of truth for what it pushes, so it never compares.
 *
 * Errors are `StoreApiError`s that say whether to retry. A throttled query (HTTP 429, or HTTP 200 with
 * `errors[].extensions.code = "THROTTLED"`) carries how long to wait. By default each call makes one
 * attempt: the stock-sync engine decides about retries.
 *
 * @example
 * ```ts
 * const shopify = createShopifyInventoryClient({ baseUrl, accessToken, apiVersion: "2026-07", fetch });
 * const refs = await shopify.variantsBySku(["MUG-RED", "MUG-BLUE"]);
 * ```
 */
import { z } from "zod";
import { errorText, type ShopifyClientOptions } from "./shopify-api";
import { retryAfterOf, retryBackoffMs, StoreApiError } from "../store-api-error";

/** Quantities one `inventorySetQuantities` call may carry (Shopify's input arrays stop at 250). */
export const MAX_QUANTITIES = 250;
/** SKUs per `productVariants` search; more are split into several searches. */
export const MAX_SKUS_PER_SEARCH = 100;
/** Nodes per page: Shopify's largest `first`. */
const PAGE_SIZE = 250;

export interface ShopifyVariantRef {
  /** gid://shopify/ProductVariant/… */
  variantId: string;
  /** gid://shopify/InventoryItem/… */
  inventoryItemId: string;
  /** Whether Shopify tracks the item's inventory; an untracked item sells regardless of its quantity. */
  tracked: boolean;
}

export interface SetAvailableInput {
  /** gid://shopify/Location/… */
  locationId: string;
  /** At most `MAX_QUANTITIES`; the caller splits larger sets. */
  quantities: Array<{ inventoryItemId: string; quantity: number }>;
  /** Reuse the same key when retrying the same call, and only then (Shopify refuses a key reused with other input). */
  idempotencyKey: string;
  /** Shown in the shop's inventory history as gid://sales-inbox/StockSync/<syncId>. */
  syncId: string;
}

export interface SetAvailableOutcome {
  inventoryItemId: string;
  ok: boolean;
  error?: string;
  /**
   * Why it failed: Shopify's userError code (`INVALID_INVENTORY_ITEM`, `ITEM_NOT_STOCKED_AT_LOCATION`, …), or
   * `NOT_APPLIED` for an item that was fine but went down with its call because another item was refused.
   */
  code?: string;
}

export type ShopifyInventoryClient = ReturnType<typeof createShopifyInventoryClient>;

const VARIANTS_QUERY = `query SalesInboxVariantsBySku($first: Int!, $after: String, $query: String) {
  productVariants(first: $first, after: $after, query: $query) {
    nodes { id sku inventoryItem { id tracked } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const LOCATIONS_QUERY = `query SalesInboxLocations($first: Int!, $after: String) {
  locations(first: $first, after: $after) {
    nodes { id name }
    pageInfo { hasNextPage endCursor }
  }
}`;

const setQuantitiesMutation = (idempotent: boolean) => `mutation SalesInboxSetAvailable($input: InventorySetQuantitiesInput!${idempotent ? ", $idempotencyKey: String!" : ""}) {
  inventorySetQuantities(input: $input)${idempotent ? " @idempotent(key: $idempotencyKey)" : ""} {
    inventoryAdjustmentGroup { reason referenceDocumentUri changes { name delta quantityAfterChange } }
    userErrors { field message code }
  }
}`;

// Limited versions of Shopify's types, focussed on what the inbox reads.
const pageInfoSchema = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullish() });
const variantsSchema = z.object({
  productVariants: z.object({
    nodes: z.array(z.object({ id: z.string(), sku: z.string().nullish(), inventoryItem: z.object({ id: z.string(), tracked: z.boolean() }) })),
    pageInfo: pageInfoSchema,
  }),
});
const locationsSchema = z.object({
  locations: z.object({ nodes: z.array(z.object({ id: z.string(), name: z.string() })), pageInfo: pageInfoSchema }),
});
const userErrorSchema = z.object({ field: z.array(z.string()).nullish(), message: z.string(), code: z.string().nullish() });
const setQuantitiesSchema = z.object({
  inventorySetQuantities: z.object({ userErrors: z.array(userErrorSchema) }),
});
const costSchema = z
  .object({
    requestedQueryCost: z.number().nullish(),
    throttleStatus: z.object({ currentlyAvailable: z.number(), restoreRate: z.number() }).nullish(),
  })
  .nullish();
const answerSchema = z.object({
  data: z.unknown().nullish(),
  errors: z.array(z.object({ message: z.string().nullish(), extensions: z.object({ code: z.string().nullish() }).nullish() })).nullish(),
  extensions: z.object({ cost: costSchema }).nullish(),
});

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** maxAttempts defaults to 1 here: the caller (a stock-sync engine) retries. */
export function createShopifyInventoryClient(options: ShopifyClientOptions) {
  const { baseUrl, accessToken, apiVersion, fetch: fetchImpl, sleep = realSleep, maxAttempts = 1 } = options;
  const endpoint = `${baseUrl}/admin/api/${apiVersion}/graphql.json`;
  const idempotent = versionAtLeast(apiVersion, "2026-01");
  const changeFromQuantity = versionAtLeast(apiVersion, "2026-01");
  let requests = 0;

  async function graphql<T>(query: string, variables: Record<string, unknown>, schema: z.ZodType<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await post(query, variables, schema);
      } catch (error) {
        if (!(error instanceof StoreApiError) || !error.retryable || attempt >= maxAttempts) throw error;
        await sleep(error.retryAfterMs ?? retryBackoffMs(attempt));
      }
    }
  }

  async function post<T>(query: string, variables: Record<string, unknown>, schema: z.ZodType<T>): Promise<T> {
    requests++;
    let response: Response;
    try {
      response = await fetchImpl(endpoint, {
        method: "POST",
        headers: { "x-shopify-access-token": accessToken, "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ query, variables }),
      });
    } catch (error) {
      throw new StoreApiError(`Shopify could not be reached: ${(error as Error).message}`, 0, null, true);
    }
    const text = await response.text();
    if (response.status === 429) {
      throw new StoreApiError(`Shopify throttled the request (429): ${errorText(text)}`, 429, "THROTTLED", true, retryAfterOf(response.headers));
    }
    if (!response.ok) {
      const retryable = response.status >= 500;
      throw new StoreApiError(`Shopify answered ${response.status}: ${errorText(text)}`, response.status, null, retryable, retryable ? retryAfterOf(response.headers) : null);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new StoreApiError(`Shopify's GraphQL answer was not JSON: ${text.slice(0, 200)}`, response.status, null, false);
    }
    const answer = answerSchema.safeParse(json);
    if (!answer.success) throw new StoreApiError(`Shopify's GraphQL answer had an unexpected shape: ${text.slice(0, 200)}`, response.status, null, false);
    const { data, errors, extensions } = answer.data;
    if (errors && errors.length > 0) {
      const codes = errors.map((error) => error.extensions?.code).filter((code): code is string => typeof code === "string");
      const message = errors.map((error) => error.message ?? "(no message)").join("; ");
      if (codes.includes("THROTTLED")) {
        throw new StoreApiError(`Shopify throttled the query: ${message}`, 429, "THROTTLED", true, throttleWaitMs(extensions?.cost));
      }
      // Shopify answers its own failures as a GraphQL error with HTTP 200; only those are worth a retry.
      const retryable = codes.includes("INTERNAL_SERVER_ERROR");
      throw new StoreApiError(`Shopify refused the query: ${message}`, response.status, codes[0] ?? "GRAPHQL_ERROR", retryable);
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      throw new StoreApiError(`Shopify's GraphQL data had an unexpected shape: ${JSON.stringify(data).slice(0, 200)}`, response.status, null, false);
    }
    return parsed.data;
  }

  return {
    /** HTTP requests made so far, retries included. */
    get requests() {
      return requests;
    },

    /**
     * The variant and inventory item behind each SKU. Shopify's `sku:` search matches tokens and prefixes, so
     * only variants whose SKU equals a requested one exactly are kept. SKUs not found are absent from the map;
     * where several variants share a SKU, the first Shopify lists wins.
     */
    async variantsBySku(skus: string[]): Promise<Map<string, ShopifyVariantRef>> {
      const found = new Map<string, ShopifyVariantRef>();
      const wanted = [...new Set(skus)].filter((sku) => sku.trim() !== "");
      for (let start = 0; start < wanted.length; start += MAX_SKUS_PER_SEARCH) {
        const chunk = new Set(wanted.slice(start, start + MAX_SKUS_PER_SEARCH));
        const query = [...chunk].map((sku) => `sku:${quoteSearchValue(sku)}`).join(" OR ");
        let after: string | null = null;
        do {
          const { productVariants } = await graphql(VARIANTS_QUERY, { first: PAGE_SIZE, after, query }, variantsSchema);
          for (const node of productVariants.nodes) {
            if (typeof node.sku !== "string" || !chunk.has(node.sku) || found.has(node.sku)) continue;
            found.set(node.sku, { variantId: node.id, inventoryItemId: node.inventoryItem.id, tracked: node.inventoryItem.tracked });
          }
          after = nextCursor(productVariants.pageInfo);
        } while (after !== null);
      }
      return found;
    },

    /** The shop's active locations (Shopify leaves inactive ones out unless asked). */
    async locations(): Promise<Array<{ id: string; name: string }>> {
      const all: Array<{ id: string; name: string }> = [];
      let after: string | null = null;
      do {
        const { locations } = await graphql(LOCATIONS_QUERY, { first: PAGE_SIZE, after }, locationsSchema);
        all.push(...locations.nodes.map(({ id, name }) => ({ id, name })));
        after = nextCursor(locations.pageInfo);
      } while (after !== null);
      return all;
    },

    /**
     * Sets `available` at one location for up to `MAX_QUANTITIES` items, as a correction, without
     * compare-and-swap. Shopify applies a call whole or not at all: when it refuses an item, the others
     * come back `ok: false` with code `NOT_APPLIED`, and a refusal that names no item fails them all.
     * @throws Error for more than `MAX_QUANTITIES` quantities or a quantity that is not an integer (a caller's bug)
     * @throws StoreApiError when the call failed as a whole (throttled, unauthorised, unreachable, …)
     */
    async setAvailable(input: SetAvailableInput): Promise<SetAvailableOutcome[]> {
      const { locationId, quantities, idempotencyKey, syncId } = input;
      if (quantities.length > MAX_QUANTITIES) {
        throw new Error(`setAvailable takes at most ${MAX_QUANTITIES} quantities per call, got ${quantities.length}: split them`);
      }
      for (const { inventoryItemId, quantity } of quantities) {
        if (!Number.isSafeInteger(quantity)) throw new Error(`setAvailable: the quantity of ${inventoryItemId} must be an integer, got ${quantity}`);
      }
      if (quantities.length === 0) return [];

      const variables: Record<string, unknown> = {
        input: {
          name: "available",
          reason: "correction",
          referenceDocumentUri: `gid://sales-inbox/StockSync/${encodeURIComponent(syncId)}`,
          ...(changeFromQuantity ? {} : { ignoreCompareQuantity: true }),
          quantities: quantities.map(({ inventoryItemId, quantity }) => ({
            inventoryItemId,
            locationId,
            quantity,
            ...(changeFromQuantity ? { changeFromQuantity: null } : {}),
          })),
        },
      };
      if (idempotent) variables.idempotencyKey = idempotencyKey;
      const { inventorySetQuantities } = await graphql(setQuantitiesMutation(idempotent), variables, setQuantitiesSchema);
      return outcomesOf(quantities, inventorySetQuantities.userErrors);
    },
  };
}

/** Per-item outcomes from a call's userErrors; a field path ["input","quantities","3",…] names item 3. */
function outcomesOf(quantities: SetAvailableInput["quantities"], userErrors: Array<z.infer<typeof userErrorSchema>>): SetAvailableOutcome[] {
  if (userErrors.length === 0) return quantities.map(({ inventoryItemId }) => ({ inventoryItemId, ok: true }));
  const byIndex = new Map<number, z.infer<typeof userErrorSchema>>();
  const general: Array<z.infer<typeof userErrorSchema>> = [];
  for (const userError of userErrors) {
    const index = itemIndexOf(userError.field, quantities.length);
    if (index === null) general.push(userError);
    else if (!byIndex.has(index)) byIndex.set(index, userError);
  }
  const describe = (userError: z.infer<typeof userErrorSchema>) => `${userError.code ? `${userError.code}: ` : ""}${userError.message}`;
  const culprits = [...byIndex.keys()].sort((a, b) => a - b).map((index) => `#${index} (${quantities[index].inventoryItemId})`);
  return quantities.map(({ inventoryItemId }, index) => {
    const own = byIndex.get(index);
    if (own) return { inventoryItemId, ok: false, error: describe(own), code: own.code ?? "USER_ERROR" };
    if (general.length > 0) return { inventoryItemId, ok: false, error: general.map(describe).join("; "), code: general[0].code ?? "USER_ERROR" };
    return { inventoryItemId, ok: false, error: `not applied: Shopify refused the call because of item ${culprits.join(", ")}`, code: "NOT_APPLIED" };
  });
}

function itemIndexOf(field: string[] | null | undefined, count: number): number | null {
  if (!field) return null;
  const at = field.indexOf("quantities");
  const text = at === -1 ? undefined : field[at + 1];
  if (text === undefined || !/^\d+$/.test(text)) return null;
  const index = Number(text);
  return index < count ? index : null;
}

/** How long until the bucket holds what the query asked for: (requested - available) / restoreRate seconds. */
function throttleWaitMs(cost: z.infer<typeof costSchema>): number | null {
  const requested = cost?.requestedQueryCost;
  const status = cost?.throttleStatus;
  if (typeof requested !== "number" || !status || !(status.restoreRate > 0)) return null;
  return Math.max(0, Math.ceil(((requested - status.currentlyAvailable) / status.restoreRate) * 1000));
}

const nextCursor = (pageInfo: z.infer<typeof pageInfoSchema>): string | null => (pageInfo.hasNextPage && pageInfo.endCursor ? pageInfo.endCursor : null);

/** A search value in double quotes, so spaces, colons and parentheses in a SKU stay part of it. */
function quoteSearchValue(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** "2026-04" ≥ "2026-01"; "unstable" is newer than every release. */
function versionAtLeast(version: string, minimum: string): boolean {
  if (version === "unstable") return true;
  return version >= minimum;
}
