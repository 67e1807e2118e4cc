/** API keys: the only module that speaks SQL to api_keys. The key itself is never stored, only its hash. */
import { desc, eq } from "drizzle-orm";
import type { Database } from "../context";
import { apiKeys, type ApiKeyRow } from "../db/schema";

export async function listApiKeys(db: Database): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}

export async function apiKeyById(db: Database, id: string): Promise<ApiKeyRow | null> {
  return (await db.select().from(apiKeys).where(eq(apiKeys.id, id)).get()) ?? null;
}

export async function apiKeyByHash(db: Database, keyHash: string): Promise<ApiKeyRow | null> {
  return (await db.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash)).get()) ?? null;
}

export function insertApiKeyStatement(d1: D1Database, key: ApiKeyRow): D1PreparedStatement {
  return d1
    .prepare(
      `INSERT INTO api_keys (id, name, prefix, key_hash, role, scopes, created_by, created_at, expires_at, last_used_at, revoked_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL, NULL)`,
    )
    .bind(key.id, key.name, key.prefix, key.keyHash, key.role, key.scopes, key.createdBy, key.createdAt, key.expiresAt);
}

/** Revokes a key still live; the statement changes nothing for one already revoked. */
export function revokeApiKeyStatement(d1: D1Database, id: string, now: number): D1PreparedStatement {
  return d1.prepare("UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL").bind(id, now);
}

/** Notes a key's use, at most once per `every` ms, so a busy integration does not write on each request. */
export async function touchApiKey(d1: D1Database, id: string, now: number, every: number): Promise<void> {
  await d1
    .prepare("UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?3)")
    .bind(id, now, now - every)
    .run();
}

export async function runKeyStatements(d1: D1Database, statements: D1PreparedStatement[]): Promise<D1Result[]> {
  return d1.batch(statements);
}
