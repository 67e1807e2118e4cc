/** /dashboard/customers — the merchant's customers, found from orders or entered by hand, and their documents. */
import { Hono } from "hono";
import { findCustomers } from "../../catalog/catalog-store";
import { customerJson } from "../../catalog/catalog-wire";
import { loadCustomer } from "../../catalog/customers";
import { findDocuments } from "../../documents/document-store";
import { documentJson } from "../../documents/document-wire";
import { Address, Layout, Pager, Time } from "../layout";
import { render, type DashboardEnv } from "../respond";
import { DocumentTable } from "./documents";
import { NoneFound, SearchForm, searchQuery } from "./search-form";

export const customerPages = new Hono<DashboardEnv>()
  .get("/", async (c) => {
    const query = searchQuery.parse(c.req.query());
    const result = await findCustomers(c.var.services.db, { q: query.q, cursor: query.cursor || undefined, limit: 50 });
    const items = result.items.map(customerJson);
    return render(
      c,
      <Layout title="Customers" nav="customers" page={c.var.page}>
        <h1>Customers</h1>
        <p class="lead">Found from orders as they are processed (by the store's customer id, e-mail or VAT number), or entered through the API.</p>
        <SearchForm action="/dashboard/customers" q={query.q} placeholder="Name, e-mail, VAT number or company" size={36} />
        {items.length === 0 ? (
          <NoneFound q={query.q} noMatch="No customer matches." none="No customers yet." />
        ) : (
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Company</th>
                <th>E-mail</th>
                <th>VAT number</th>
                <th>Phone</th>
                <th>Country</th>
                <th>Since</th>
              </tr>
            </thead>
            <tbody>
              {items.map((customer) => (
                <tr>
                  <td>
                    <a href={`/dashboard/customers/${customer.id}`}>{customer.name}</a>
                  </td>
                  <td>{customer.company ?? "—"}</td>
                  <td>{customer.email ?? "—"}</td>
                  <td class="mono">{customer.vat_number ?? "—"}</td>
                  <td>{customer.phone ?? "—"}</td>
                  <td>{customer.address?.country ?? "—"}</td>
                  <td>
                    <Time at={customer.created_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager base="/dashboard/customers" params={{ q: query.q }} cursor={query.cursor} next={result.next_cursor} />
      </Layout>,
    );
  })

  .get("/:id", async (c) => {
    const { db } = c.var.services;
    const customer = customerJson(await loadCustomer(db, c.req.param("id")));
    const documents = await findDocuments(db, { customer_id: customer.id, limit: 100 });
    return render(
      c,
      <Layout title={customer.name} nav="customers" page={c.var.page}>
        <p class="small">
          <a href="/dashboard/customers">← Customers</a>
        </p>
        <h1>{customer.name}</h1>
        <div class="grid">
          <section class="card">
            <table class="kv">
              <tbody>
                <tr>
                  <th>Company</th>
                  <td>{customer.company ?? "—"}</td>
                </tr>
                <tr>
                  <th>E-mail</th>
                  <td>{customer.email ?? "—"}</td>
                </tr>
                <tr>
                  <th>VAT number</th>
                  <td>{customer.vat_number ?? "—"}</td>
                </tr>
                <tr>
                  <th>Phone</th>
                  <td>{customer.phone ?? "—"}</td>
                </tr>
              </tbody>
            </table>
          </section>
          <section class="card">
            <h2>Billing address</h2>
            <Address address={customer.address} />
          </section>
        </div>
        <h2>Documents</h2>
        {documents.items.length ? <DocumentTable items={documents.items.map(documentJson)} /> : <p class="muted">No documents for this customer.</p>}
      </Layout>,
    );
  });
