/**
 * The one check every signed-in request passes, for the API and the dashboard alike: the route's
 * rule (src/guard/policy.ts) against the actor's scopes, before any handler or body validation
 * runs, so a role that may not is told 403 whatever it sent. A change that succeeds is then
 * recorded in the audit trail with its actor, and with before/after for the settings it rewrote.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { loadChannel } from "../channels/channel-store";
import { loadCustomer } from "../catalog/customers";
import { loadProduct } from "../catalog/products";
import { loadCompanyProfile } from "../company/company";
import { taxCodeById } from "../company/tax-code-store";
import type { Actor, Services } from "../context";
import { AppError } from "../lib/errors";
import { auditEntry, recordAfter } from "../people/audit";
import { mayDo, ruleFor, type Match } from "./policy";

type GuardEnv = { Variables: { services: Services; actionFailed?: boolean } };

/** A dashboard action that answered with an error message (still a 303) did not happen: nothing to record. */
export const markActionFailed = (c: Context) => c.set("actionFailed" as never, true as never);

/** What a change rewrote, as a person would compare it: settings, never secrets. */
async function snapshotOf(services: Services, type: string, id: string | undefined): Promise<Record<string, unknown> | null> {
  try {
    switch (type) {
      case "company":
        return { ...(await loadCompanyProfile(services.d1)) };
      case "channel": {
        if (!id) return null;
        const { row } = await loadChannel(services.db, id);
        const json = (text: string | null) => (text ? (JSON.parse(text) as unknown) : null);
        return { name: row.name, status: row.status, settings: json(row.settings), credentials: json(row.credentialKeys), automation: json(row.automation), stock_sync: json(row.stockSync) };
      }
      case "tax_code":
        return id ? ((await taxCodeById(services.d1, id)) as Record<string, unknown> | null) : null;
      case "customer":
        return id ? { ...(await loadCustomer(services.db, id)) } : null;
      case "product":
        return id ? { ...(await loadProduct(services.db, id)) } : null;
      default:
        return null;
    }
  } catch (error) {
    if (error instanceof AppError && error.status === 404) return null;
    throw error;
  }
}

/** The id a creation answered with: the API's `id`, or the page the dashboard went on to. */
async function createdId(c: Context, type: string): Promise<string | null> {
  const location = c.res.headers.get("location");
  if (location) {
    const segments = new URL(location, "https://inbox.invalid").pathname.split("/");
    const last = segments[segments.length - 1];
    return /^[a-z]{2,4}_[A-Za-z0-9_]+$/.test(last) ? last : null;
  }
  if (!c.res.headers.get("content-type")?.includes("application/json")) return null;
  const body = (await c.res.clone().json()) as Record<string, unknown>;
  const id = body.id ?? (body[type] as Record<string, unknown> | undefined)?.id;
  return typeof id === "string" ? id : null;
}

const ACTION_WORDS: Record<string, string> = {
  create: "created",
  change: "changed",
  delete: "deleted",
  ignore: "ignored",
  restore: "restored",
  reprocess: "sent again to processing",
  process: "processed",
  process_many: "processed (many)",
  bulk: "acted on (many)",
  execute: "executed",
  cancel: "cancelled",
  credit: "credited",
  payment: "paid (a payment by hand)",
  email: "e-mailed",
  secret_add: "given a new secret",
  secret_revoke: "had a secret revoked",
  automation: "given new automation rules",
  reconcile: "checked for missed orders",
  connect: "connected to its store",
  test_order: "sent a test order",
  start: "started",
  settings: "given new settings",
  count: "counted",
  import: "imported",
  confirm: "confirmed again",
  logo: "given a new logo",
  logo_remove: "left without a logo",
  fetch: "fetched",
  seed: "seeded",
};

function summaryOf(match: Match, subjectId: string | null): string {
  const [area, verb] = match.rule.action!.split(".");
  const what = `${area.replace(/_/g, " ")}${subjectId ? ` ${subjectId}` : ""}`;
  return `${what[0].toUpperCase()}${what.slice(1)} ${ACTION_WORDS[verb] ?? verb.replace(/_/g, " ")}`;
}

export const authorize = createMiddleware<GuardEnv>(async (c, next) => {
  const match = ruleFor(c.req.method, c.req.path);
  // A route without a rule is served to nobody: a new route cannot be reached by forgetting it here.
  if (!match) throw new AppError("not_found", c.req.path.startsWith("/dashboard") ? "There is no such page in the dashboard." : "No such route");
  const { services } = c.var;
  const { actor } = services;
  if (!mayDo(actor.scopes, match.rule.need)) {
    throw new AppError("forbidden", `${actorWords(actor)} may not do this: it needs the ${match.rule.need} permission`);
  }
  const { action, subject, auditedByService } = match.rule;
  if (!action || auditedByService || !subject) return next();
  const paramId = subject.param ? match.params[subject.param] : undefined;
  const before = await snapshotOf(services, subject.type, paramId);
  await next();
  if (c.res.status >= 400 || c.get("actionFailed")) return;
  const subjectId = paramId ?? (await createdId(c, subject.type));
  const after = await snapshotOf(services, subject.type, subjectId ?? undefined);
  await recordAfter(services.d1, auditEntry(actor, services.now(), { action, subjectType: subject.type, subjectId, summary: summaryOf(match, subjectId), before, after }));
});

function actorWords(actor: Actor): string {
  if (actor.kind === "key") return `The API key “${actor.name}”`;
  if (actor.role) return `${actor.name} (${actor.role})`;
  return actor.name;
}
