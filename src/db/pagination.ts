/**
 * Cursor pagination over (sort value, id), newest first. The cursor is opaque to clients:
 * base64url of the last row's sort value and id, so pages stay stable while rows are added.
 */
import { and, desc, eq, getTableColumns, lt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { z } from "zod";
import { AppError } from "../lib/errors";
import { toBase64Url, utf8 } from "../lib/encoding";

export const limitSchema = z.coerce.number().int().min(1).max(200).default(50);

export interface Cursor {
  at: number;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return toBase64Url(utf8.encode(JSON.stringify([cursor.at, cursor.id])));
}

export function decodeCursor(text: string | undefined): Cursor | null {
  if (!text) return null;
  try {
    const json = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    const [at, id] = JSON.parse(json) as [unknown, unknown];
    if (typeof at === "number" && typeof id === "string") return { at, id };
  } catch {
    // fall through to the error below
  }
  throw new AppError("bad_request", "cursor: not a cursor this API returned");
}

/** Takes one row more than the page to know whether another page follows. */
export function page<T>(rows: T[], limit: number, cursorOf: (row: T) => Cursor): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next_cursor: rows.length > limit && last ? encodeCursor(cursorOf(last)) : null };
}

/** Rows after the cursor in newest-first order: older, or as old with a smaller id. */
export function after(cursor: Cursor, at: SQLiteColumn, id: SQLiteColumn): SQL {
  return or(lt(at, cursor.at), and(eq(at, cursor.at), lt(id, cursor.id)))!;
}

/** The property a column has in the table's row type (`receivedAt` for `received_at`). */
function rowKey(table: SQLiteTable, column: SQLiteColumn): string {
  const entry = Object.entries(getTableColumns(table)).find(([, candidate]) => candidate === column);
  if (!entry) throw new Error(`column ${column.name} is not in the table it pages`);
  return entry[0];
}

/**
 * One page of a table, newest first by (at, id), under the given filters: every list in the API
 * and the dashboard reads its rows through this, so the cursor rule lives in one place.
 */
export async function newestFirstPage<T extends SQLiteTable>(
  db: DrizzleD1Database<Record<string, unknown>>,
  table: T,
  order: { at: SQLiteColumn; id: SQLiteColumn },
  filters: (SQL | undefined)[],
  query: { cursor?: string; limit: number },
): Promise<{ items: T["$inferSelect"][]; next_cursor: string | null }> {
  const conditions = filters.filter((condition): condition is SQL => condition !== undefined);
  const cursor = decodeCursor(query.cursor);
  if (cursor) conditions.push(after(cursor, order.at, order.id));
  const rows = (await db
    .select()
    .from(table as SQLiteTable)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(order.at), desc(order.id))
    .limit(query.limit + 1)) as Record<string, unknown>[];
  const [atKey, idKey] = [rowKey(table, order.at), rowKey(table, order.id)];
  return page(rows, query.limit, (row) => ({ at: row[atKey] as number, id: row[idKey] as string })) as {
    items: T["$inferSelect"][];
    next_cursor: string | null;
  };
}
