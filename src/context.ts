/**
 * What every handler works with, built once per request by one middleware: the database, the
 * queue, the clock and the checked configuration. Tests swap the clock; nothing reads globals.
 */
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "./db/schema";
import type { AppConfig, WorkerEnv } from "./env";
import type { OrderMessage } from "./queue/messages";

export type Database = DrizzleD1Database<typeof schema>;

export interface Services {
  /** drizzle over D1, for queries that read well as code. */
  db: Database;
  /** D1 itself, for the hand-written batches whose SQL is the point. */
  d1: D1Database;
  queue: Queue<OrderMessage>;
  /** R2: the archive of raw delivery bodies (src/inbound/archive.ts). */
  archive: R2Bucket;
  config: AppConfig;
  now: () => number;
  /** Outbound HTTP to stores. */
  fetch: typeof fetch;
  /** Who this request or job acts for; the system until a request proves otherwise. */
  actor: Actor;
}

/**
 * Who is asking: a person signed in, an API key, the bootstrap admin token, or the inbox itself
 * (automation, a sweep, a cron) with what set it going. Every change is recorded under it.
 */
export interface Actor {
  kind: "user" | "key" | "admin_token" | "system";
  /** The user's or key's id; for the system, the work that acted ("automation", "sweep", …). */
  id: string;
  name: string;
  /** owner | bookkeeper | operator | viewer; null for a key given scopes and for the system. */
  role: string | null;
  /** What this actor may do (src/people/roles.ts names them). */
  scopes: ReadonlySet<string>;
}

/** The inbox acting on its own; `work` says what set it going. */
export const systemActor = (work: string): Actor => ({ kind: "system", id: work, name: "System", role: null, scopes: new Set() });

export type AppEnv = { Bindings: WorkerEnv; Variables: { services: Services } };

export function buildServices(env: WorkerEnv, config: AppConfig, now: () => number = Date.now): Services {
  return {
    db: drizzle(env.DB, { schema }),
    d1: env.DB,
    queue: env.ORDER_QUEUE as Queue<OrderMessage>,
    archive: env.ARCHIVE,
    config,
    now,
    fetch: (input, init) => fetch(input, init),
    actor: systemActor("request"),
  };
}
