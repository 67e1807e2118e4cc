/** /dashboard/audit — who changed what, when: every change by a person, a key or the system; read-only. */
import { Hono } from "hono";
import { auditFilterSchema, auditJson, findAudit } from "../../people/audit-log";
import { Layout, Pager, Time } from "../layout";
import { render, type DashboardEnv } from "../respond";

const AREAS: Array<[string, string]> = [
  ["", "Everything"],
  ["order", "Orders"],
  ["document", "Documents and payments"],
  ["channel", "Channels and their secrets"],
  ["stock", "Stock"],
  ["stock_sync", "Stock syncs"],
  ["product", "Products"],
  ["customer", "Customers"],
  ["company", "Company"],
  ["tax_code", "Tax codes"],
  ["exchange_rates", "Exchange rates"],
  ["delivery", "Deliveries"],
  ["user", "Users"],
  ["api_key", "API keys"],
  ["session", "Sign-ins"],
];

/** Where an entry's subject is shown in the dashboard, when it has a page. */
function subjectHref(type: string | null, id: string | null): string | null {
  if (!type || !id) return null;
  const pages: Record<string, string> = { order: "orders", document: "documents", channel: "channels", customer: "customers", delivery: "deliveries" };
  return pages[type] ? `/dashboard/${pages[type]}/${id}` : null;
}

export const auditPages = new Hono<DashboardEnv>().get("/", async (c) => {
  const filter = auditFilterSchema.parse(c.req.query());
  const result = await findAudit(c.var.services, filter);
  const entries = result.items.map(auditJson);
  const params = { actor: filter.actor, action: filter.action, subject: filter.subject, from: filter.from, to: filter.to };
  return render(
    c,
    <Layout title="Audit" nav="audit" page={c.var.page}>
      <h1>Audit trail</h1>
      <p class="lead">Every change made by a person, an API key or the inbox itself, newest first. Nobody can edit or delete an entry.</p>
      <form method="get" action="/dashboard/audit" class="filters">
        <label>
          Area
          <select name="action">
            {AREAS.map(([value, label]) => (
              <option value={value} selected={value === (filter.action ?? "")}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Who (user or key id)
          <input name="actor" value={filter.actor ?? ""} maxlength={64} size={22} />
        </label>
        <label>
          About (order, document, … id)
          <input name="subject" value={filter.subject ?? ""} maxlength={64} size={22} />
        </label>
        <label>
          From
          <input type="date" name="from" value={filter.from ?? ""} />
        </label>
        <label>
          Until
          <input type="date" name="to" value={filter.to ?? ""} />
        </label>
        <button type="submit">Show</button>
      </form>
      {entries.length === 0 ? (
        <p class="muted">No entry matches.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>What</th>
              <th>About</th>
              <th>Changes</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => {
              const href = subjectHref(entry.subject_type, entry.subject_id);
              return (
                <tr>
                  <td>
                    <Time at={entry.at} />
                  </td>
                  <td>
                    <a href={`/dashboard/audit?actor=${encodeURIComponent(entry.actor.id)}`}>{entry.actor.label}</a>
                  </td>
                  <td>
                    {entry.summary} <span class="muted small mono">{entry.action}</span>
                  </td>
                  <td>{href ? <a href={href}>{entry.subject_id}</a> : (entry.subject_id ?? "—")}</td>
                  <td>
                    {entry.changes ? (
                      <details>
                        <summary>Before and after</summary>
                        <pre tabindex={0}>{JSON.stringify(entry.changes, null, 2)}</pre>
                      </details>
                    ) : (
                      "—"
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <Pager base="/dashboard/audit" params={params} cursor={filter.cursor} next={result.next_cursor} />
    </Layout>,
  );
});
