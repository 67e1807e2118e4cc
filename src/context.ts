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
}

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
  };
}
