/** A signed-in dashboard user, driving the Worker the way a browser would: cookies, forms, redirects. */
import { api, ORIGIN, worker } from "../helpers";

export interface DashboardUser {
  cookie: string;
  csrf: string;
}

/** The cookies a response sets, as a Cookie header value; a cookie cleared (Max-Age=0) is left out. */
export function cookiesOf(response: Response, previous = ""): string {
  const jar = new Map(
    previous
      .split(/;\s*/)
      .filter(Boolean)
      .map((pair) => [pair.split("=")[0], pair] as const),
  );
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(";");
    const name = pair.split("=")[0];
    if (/max-age=0/i.test(header) || pair.endsWith("=")) jar.delete(name);
    else jar.set(name, pair);
  }
  return [...jar.values()].join("; ");
}

export const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";

export function form(fields: Record<string, string | string[]>): URLSearchParams {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const entry of [value].flat()) body.append(name, entry);
  return body;
}

export interface Person {
  email: string;
  password: string;
  name: string;
  role: "owner" | "bookkeeper" | "operator" | "viewer";
}

export const OWNER: Person = { email: "owner@inbox.test", password: "correct horse battery staple", name: "Olivia Owner", role: "owner" };

/** Adds the person through the API with the admin token (the bootstrap owner key); an e-mail already there is fine. */
export async function ensurePerson(person: Person): Promise<void> {
  const response = await api("/api/users", { method: "POST", json: { email: person.email, name: person.name, role: person.role, password: person.password } });
  if (response.status !== 201 && response.status !== 409) throw new Error(`adding ${person.email} answered ${response.status}: ${await response.text()}`);
}

/** Signs the person in with their e-mail and password (adding them first), as the sign-in form does. */
export async function signIn(person: Person = OWNER): Promise<DashboardUser> {
  await ensurePerson(person);
  const response = await worker().fetch(
    new Request(`${ORIGIN}/dashboard/sign-in`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN },
      body: form({ email: person.email, password: person.password, next: "/dashboard" }),
    }),
  );
  if (response.status !== 303) throw new Error(`sign-in answered ${response.status}`);
  const cookie = cookiesOf(response);
  const overview = await worker().fetch(new Request(`${ORIGIN}/dashboard`, { headers: { cookie }, redirect: "manual" }));
  return { cookie, csrf: csrfOf(await overview.text()) };
}

/** GET a dashboard page as the user; follows no redirect. */
export async function get(user: DashboardUser | null, path: string): Promise<{ status: number; html: string; response: Response }> {
  const response = await worker().fetch(new Request(`${ORIGIN}${path}`, { headers: user ? { cookie: user.cookie } : {}, redirect: "manual" }));
  return { status: response.status, html: await response.text(), response };
}

/**
 * POSTs a form as the user (with the session's CSRF token unless `fields` sets _csrf) and, when
 * answered with a redirect, loads the page it leads to: what the browser would show.
 */
export async function post(
  user: DashboardUser,
  path: string,
  fields: Record<string, string | string[]> = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; location: string | null; html: string; response: Response }> {
  const response = await worker().fetch(
    new Request(`${ORIGIN}${path}`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, cookie: user.cookie, ...headers },
      body: form({ _csrf: user.csrf, ...fields }),
    }),
  );
  const location = response.headers.get("location");
  if (response.status !== 303 || !location) return { status: response.status, location, html: await response.text(), response };
  const cookie = cookiesOf(response, user.cookie);
  const next = await worker().fetch(new Request(new URL(location, ORIGIN), { headers: { cookie }, redirect: "manual" }));
  // The flash cookie is spent by the page that showed it.
  user.cookie = cookiesOf(next, cookie);
  return { status: response.status, location, html: await next.text(), response };
}

/** The visible text of some HTML, tags dropped and entities decoded: what a person reads. */
export function textOf(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
}
