/**
 * The frame of every dashboard page and the small pieces pages share. Everything a store sent
 * (names, notes, SKUs, bodies) reaches the page as a JSX text child or attribute value, which Hono
 * escapes; nothing here writes markup from data.
 */
import { createContext, useContext, type Child } from "hono/jsx";
import { SCRIPT_PATH, STYLE_PATH } from "./assets";
import type { Flash } from "./session";

export interface PageContext {
  /** The session's CSRF token, for every form that posts. */
  csrf: string;
  flash: Flash | null;
  /** This page's path and query: where an action on it comes back to. */
  here: string;
  /** The company's time zone (its profile): every time on the page is shown in it, and named. */
  timeZone: string;
  /** Who is signed in, as the header names them. */
  user: { name: string; role: string | null };
  /** Whether the signed-in person may call a route: forms and links they may not use are not shown. */
  can: (method: string, path: string) => boolean;
}

/** The time zone `Time` writes in: the company's, set by the page's Layout. */
const TimeZoneContext = createContext("UTC");

export type NavKey =
  | "overview"
  | "inbox"
  | "channels"
  | "documents"
  | "customers"
  | "products"
  | "stock-syncs"
  | "deliveries"
  | "company"
  | "users"
  | "api-keys"
  | "audit"
  | "account";

const NAV: Array<[NavKey, string, string]> = [
  ["overview", "Overview", "/dashboard"],
  ["inbox", "Inbox", "/dashboard/orders"],
  ["channels", "Channels", "/dashboard/channels"],
  ["documents", "Documents", "/dashboard/documents"],
  ["customers", "Customers", "/dashboard/customers"],
  ["products", "Products", "/dashboard/products"],
  ["stock-syncs", "Stock syncs", "/dashboard/stock-syncs"],
  ["deliveries", "Deliveries", "/dashboard/deliveries"],
  ["company", "Company", "/dashboard/company"],
  ["users", "Users", "/dashboard/users"],
  ["api-keys", "API keys", "/dashboard/api-keys"],
  ["audit", "Audit", "/dashboard/audit"],
];

export function Document(props: { title: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{`${props.title} · Sales Inbox`}</title>
        <link rel="stylesheet" href={STYLE_PATH} />
        <script src={SCRIPT_PATH} defer></script>
      </head>
      <body>{props.children}</body>
    </html>
  );
}

export function Layout(props: { title: string; nav: NavKey | null; page: PageContext; children: Child }) {
  return (
    <Document title={props.title}>
      <header class="top">
        <a class="brand" href="/dashboard">
          Sales Inbox
        </a>
        <nav aria-label="Main">
          {NAV.filter(([, , href]) => props.page.can("GET", href)).map(([key, label, href]) => (
            <a href={href} aria-current={props.nav === key ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <a class="who" href="/dashboard/account" aria-current={props.nav === "account" ? "page" : undefined}>
          {props.page.user.role ? `${props.page.user.name} (${props.page.user.role})` : props.page.user.name}
        </a>
        <form method="post" action="/dashboard/sign-out">
          <Csrf page={props.page} />
          <button type="submit">Sign out</button>
        </form>
      </header>
      <main>
        <FlashMessage flash={props.page.flash} />
        <TimeZoneContext.Provider value={props.page.timeZone}>{props.children}</TimeZoneContext.Provider>
      </main>
      <footer class="muted small">{`Times are in ${props.page.timeZone}.`}</footer>
    </Document>
  );
}

export function FlashMessage(props: { flash: Flash | null }) {
  const { flash } = props;
  if (!flash) return null;
  return (
    <div class={`flash ${flash.kind}`} role={flash.kind === "error" ? "alert" : "status"}>
      {flash.text}
      {flash.link ? (
        <>
          {" "}
          <a href={flash.link.href}>{flash.link.label}</a>
        </>
      ) : null}
    </div>
  );
}

export const Csrf = (props: { page: PageContext }) => <input type="hidden" name="_csrf" value={props.page.csrf} />;

/** A form that posts an action and comes back to `back` (this page by default); not shown to someone who may not post it. */
export function ActionForm(props: { page: PageContext; action: string; back?: string; class?: string; children: Child }) {
  if (!props.page.can("POST", props.action)) return null;
  return (
    <form method="post" action={props.action} class={props.class}>
      <Csrf page={props.page} />
      <input type="hidden" name="back" value={props.back ?? props.page.here} />
      {props.children}
    </form>
  );
}

const LABELS: Record<string, string> = { needs_attention: "needs attention", credit_note: "credit note" };
export const labelOf = (value: string) => LABELS[value] ?? value.replace(/_/g, " ");

const DOCUMENT_TITLES: Record<string, string> = { invoice: "Invoice", order: "Sales order", credit_note: "Credit note" };
export const documentTitle = (type: string) => DOCUMENT_TITLES[type] ?? type;

export const Badge = (props: { value: string; tone?: string }) => <span class={`badge ${props.tone ?? props.value}`}>{labelOf(props.value)}</span>;

/** "2026-11-27 12:00" as the clock reads in `timeZone`. */
export function clockIn(timeZone: string, date: Date): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** A time in the company's time zone (named in the page's footer and the title), the exact instant in the attribute. */
export function Time(props: { at: string | number | null | undefined }) {
  if (props.at === null || props.at === undefined) return <span class="muted">—</span>;
  const date = new Date(props.at);
  if (Number.isNaN(date.getTime())) return <span>{String(props.at)}</span>;
  const timeZone = useContext(TimeZoneContext);
  return (
    <time datetime={date.toISOString()} title={timeZone}>
      {clockIn(timeZone, date)}
    </time>
  );
}

export const Money = (props: { amount: string | null | undefined; currency: string }) =>
  props.amount === null || props.amount === undefined ? <span class="muted">—</span> : <span class="mono">{`${props.amount} ${props.currency}`}</span>;

/** The channel filter of a list page; a deleted channel is named as such. */
export function ChannelFilter(props: { name: string; channels: Iterable<[string, { name: string; status?: string }]>; selected: string | undefined }) {
  return (
    <label>
      Channel
      <select name={props.name}>
        <option value="">All channels</option>
        {[...props.channels].map(([id, channel]) => (
          <option value={id} selected={props.selected === id}>
            {channel.status === "deleted" ? `${channel.name} (deleted)` : channel.name}
          </option>
        ))}
      </select>
    </label>
  );
}

interface PaymentLine {
  paid_at: string;
  kind: string;
  amount: string;
  currency: string;
  method: string | null;
  account: string;
  reference: string | null;
}

/** A document's payments and refunds, as the order page and the document page show them. */
export function PaymentTable(props: { payments: PaymentLine[] }) {
  return (
    <table>
      <thead>
        <tr>
          <th>Paid</th>
          <th>Kind</th>
          <th class="num">Amount</th>
          <th>Method</th>
          <th>Account</th>
          <th>Reference</th>
        </tr>
      </thead>
      <tbody>
        {props.payments.map((payment) => (
          <tr>
            <td>
              <Time at={payment.paid_at} />
            </td>
            <td>{payment.kind}</td>
            <td class="num">
              <Money amount={payment.amount} currency={payment.currency} />
            </td>
            <td>{payment.method ?? "—"}</td>
            <td>{payment.account}</td>
            <td class="mono">{payment.reference ?? "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A value to copy whole (a channel URI, a secret): a read-only field, and a copy button once the script runs. */
export function CopyField(props: { id: string; label: string; value: string }) {
  return (
    <div class="copy">
      <label class="sr-only" for={props.id}>
        {props.label}
      </label>
      <input type="text" id={props.id} value={props.value} readonly size={60} />
      <button type="button" data-copy={props.id} hidden aria-label={`Copy ${props.label}`}>
        Copy
      </button>
    </div>
  );
}

/** Newest-first lists page with an opaque cursor: the first page, and the next one when there is one. */
export function Pager(props: { base: string; params: Record<string, string | undefined>; cursor: string | undefined; next: string | null }) {
  const link = (cursor: string | null) => {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(props.params)) if (value) query.set(key, value);
    if (cursor) query.set("cursor", cursor);
    const text = query.toString();
    return text ? `${props.base}?${text}` : props.base;
  };
  if (!props.cursor && !props.next) return null;
  return (
    <nav class="pager" aria-label="Pages">
      {props.cursor ? <a href={link(null)}>« Newest</a> : null}
      {props.next ? <a href={link(props.next)}>Older »</a> : <span class="muted">No older entries</span>}
    </nav>
  );
}

type AddressKey = "name" | "company" | "line1" | "line2" | "city" | "postcode" | "region" | "country";

export function Address(props: { address: Partial<Record<AddressKey, string | null>> | null | undefined }) {
  const { address } = props;
  if (!address) return <span class="muted">None</span>;
  const lines = [
    address.name,
    address.company,
    address.line1,
    address.line2,
    [address.postcode, address.city].filter(Boolean).join(" "),
    [address.region, address.country].filter(Boolean).join(", "),
  ].filter((line): line is string => Boolean(line && line.trim()));
  return <address>{lines.join("\n")}</address>;
}

export function ErrorPage(props: { title: string; message: string; page: PageContext | null }) {
  const body = (
    <>
      <h1>{props.title}</h1>
      <p>{props.message}</p>
      <p>
        <a href="/dashboard">Back to the overview</a>
      </p>
    </>
  );
  if (!props.page) {
    return (
      <Document title={props.title}>
        <main>{body}</main>
      </Document>
    );
  }
  return (
    <Layout title={props.title} nav={null} page={props.page}>
      {body}
    </Layout>
  );
}
