/**
 * What every dashboard handler uses: the page context the session middleware prepared, the posted
 * form, rendering a page, and running an action the POST-redirect-GET way (its outcome, good or
 * bad, comes back as a flash message on the page it returns to).
 */
import type { Context } from "hono";
import { html } from "hono/html";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Services } from "../context";
import type { WorkerEnv } from "../env";
import { AppError } from "../lib/errors";
import type { PageContext } from "./layout";
import type { UserRow } from "../db/schema";
import { markActionFailed } from "../guard/guard";
import { safeReturnPath, setFlash, type Flash } from "./session";

export type FormFields = Record<string, string | File | Array<string | File>>;

export type DashboardEnv = {
  Bindings: WorkerEnv;
  Variables: { services: Services; signedIn: { user: UserRow; via: "access" | "password" }; page: PageContext; form: FormFields; actionFailed?: boolean };
};

export type DashboardContext = Context<DashboardEnv>;

/** Sends a page: the JSX is rendered with every text escaped; the doctype is the only markup added. */
export function render(c: Context, node: unknown, status: ContentfulStatusCode = 200) {
  return c.html(html`<!DOCTYPE html>${node}`, status);
}

/** The first value posted under `name`, trimmed; undefined when absent or empty. */
export function field(form: FormFields, name: string): string | undefined {
  const value = form[name];
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first !== "string") return undefined;
  const trimmed = first.trim();
  return trimmed === "" ? undefined : trimmed;
}

/** Every value posted under `name` (checkboxes of a list). */
export function fields(form: FormFields, name: string): string[] {
  const value = form[name];
  const all = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return all.filter((entry): entry is string => typeof entry === "string" && entry !== "");
}

/** An error's message for a person, with the fields a validation failure names. */
export function describeError(error: AppError): string {
  const problems = error.problems ?? [];
  if (problems.length <= 1) return error.message;
  const listed = problems.slice(0, 6).map((problem) => `${problem.field}: ${problem.message}`);
  return `${listed.join("; ")}${problems.length > 6 ? ` (and ${problems.length - 6} more)` : ""}`;
}

/** Errors a person can act on are shown in the page; the rest are the server's and go to the error page. */
export const isShownError = (error: unknown): error is AppError =>
  error instanceof AppError && error.code !== "internal_error" && error.code !== "bad_environment";

/**
 * Runs a state-changing action and redirects (303) back to the page it came from, or to where the
 * action says, with what happened as a flash message. An error a person can act on (a conflict, a
 * validation failure, a store that refused) becomes an error flash, not an error page.
 */
export async function act(
  c: DashboardContext,
  fallback: string,
  work: () => Promise<Flash & { redirect?: string }>,
): Promise<Response> {
  const { ADMIN_TOKEN } = c.var.services.config;
  const back = safeReturnPath(field(c.var.form, "back") ?? fallback);
  try {
    const { redirect, ...flash } = await work();
    await setFlash(c, ADMIN_TOKEN, flash);
    return c.redirect(redirect ?? back, 303);
  } catch (error) {
    return backWithError(c, back, error);
  }
}

/** Back to `back` with an error a person can act on as the flash; any other error is the error page's. */
export async function backWithError(c: DashboardContext, back: string, error: unknown): Promise<Response> {
  if (!isShownError(error)) throw error;
  markActionFailed(c);
  await setFlash(c, c.var.services.config.ADMIN_TOKEN, { kind: "error", text: describeError(error) });
  return c.redirect(back, 303);
}

export const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
