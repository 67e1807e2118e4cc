/**
 * /dashboard/products — products by SKU with their stock: on hand (from the ledger), reserved by
 * open orders, and available to sell, per warehouse; and what each store last accepted.
 */
import { Hono } from "hono";
import { findProductPage } from "../../catalog/catalog-store";
import { productJson } from "../../catalog/catalog-wire";
import { stockLevels, type StockLevel } from "../../stock/balances";
import { DEFAULT_WAREHOUSE } from "../../stock/stock-store";
import { lastPushedQuantities } from "../../stock/stock-store";
import { Layout, Pager, Time } from "../layout";
import { render, type DashboardEnv } from "../respond";
import { NoneFound, SearchForm, searchQuery } from "./search-form";

const quantity = (value: number) => String(Math.round(value * 1000) / 1000);

export const productPages = new Hono<DashboardEnv>().get("/", async (c) => {
  const query = searchQuery.parse(c.req.query());
  const { db, d1 } = c.var.services;
  const result = await findProductPage(db, { q: query.q, cursor: query.cursor || undefined, limit: 50 });
  const items = result.items.map(productJson);
  const levels = items.length ? await stockLevels(d1, items.map((item) => item.sku)) : [];
  const bySku = new Map<string, StockLevel[]>();
  for (const level of levels) bySku.set(level.sku, [...(bySku.get(level.sku) ?? []), level]);
  const pushedRows = items.length ? await lastPushedQuantities(d1, items.map((item) => item.sku)) : [];
  const pushed = new Map<string, typeof pushedRows>();
  for (const row of pushedRows) pushed.set(row.sku, [...(pushed.get(row.sku) ?? []), row]);
  return render(
    c,
    <Layout title="Products" nav="products" page={c.var.page}>
      <h1>Products</h1>
      <p class="lead">
        Stock is derived from the ledger: executed documents and counts. Open orders without an executed document reserve their quantities in the{" "}
        {DEFAULT_WAREHOUSE} warehouse; available is on hand minus reserved.
      </p>
      <SearchForm action="/dashboard/products" q={query.q} placeholder="SKU or name" size={30} />
      {items.length === 0 ? (
        <NoneFound q={query.q} noMatch="No product matches." none="No products yet: import them as CSV through the API, or let automation create them." />
      ) : (
        <table>
          <thead>
            <tr>
              <th>SKU</th>
              <th>Name</th>
              <th class="num">Price</th>
              <th class="num">Tax rate</th>
              <th>Warehouse</th>
              <th class="num">On hand</th>
              <th class="num">Reserved</th>
              <th class="num">Available</th>
              <th>Last pushed</th>
            </tr>
          </thead>
          <tbody>
            {items.flatMap((product) => {
              const places = bySku.get(product.sku) ?? [];
              return places.map((level, index) => (
                <tr>
                  <td class="mono">{index === 0 ? product.sku : ""}</td>
                  <td>{index === 0 ? product.name : ""}</td>
                  <td class="num">{index === 0 && product.unit_price ? `${product.unit_price} ${product.currency}` : ""}</td>
                  <td class="num">{index === 0 && product.tax_rate ? `${product.tax_rate} %` : ""}</td>
                  <td>{level.warehouseId}</td>
                  <td class="num">{quantity(level.onHand)}</td>
                  <td class="num">{quantity(level.reserved)}</td>
                  <td class="num">
                    <strong class={level.available < 0 ? "reason" : undefined}>{quantity(level.available)}</strong>
                  </td>
                  <td class="small">
                    {index === 0
                      ? (pushed.get(product.sku) ?? []).map((entry) => (
                          <div>
                            {`${entry.name}: ${entry.quantity} `}
                            <span class="muted">
                              <Time at={entry.pushed_at} />
                            </span>
                          </div>
                        ))
                      : null}
                  </td>
                </tr>
              ));
            })}
          </tbody>
        </table>
      )}
      <Pager base="/dashboard/products" params={{ q: query.q }} cursor={query.cursor} next={result.next_cursor} />
    </Layout>,
  );
});
