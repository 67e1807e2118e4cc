/**
 * API keys for integrations. A key is `sik_` and 256 random bits, shown once when it is made; the
 * database keeps its SHA-256 (a key is random, not a password, so a fast hash is enough: nobody can
 * guess 256 bits) and its first characters to tell keys apart. A key holds a role or scopes, may
 * expire, and is revoked for good.
 */
import { z } from "zod";
import type { Actor, Services } from "../context";
import type { ApiKeyRow } from "../db/schema";
import { toBase64Url, toHex } from "../lib/encoding";
import { AppError } from "../lib/errors";
import { sha256 } from "../lib/hmac";
import { newId } from "../lib/ids";
import { actorOfKey } from "./actors";
import { auditEntry } from "./audit";
import { auditStatement } from "./audit-store";
import { apiKeyByHash, apiKeyById, insertApiKeyStatement, listApiKeys, revokeApiKeyStatement, runKeyStatements, touchApiKey } from "./api-key-store";
import { ROLES, SCOPES } from "./roles";

export const KEY_PREFIX = "sik_";
const SHOWN_PREFIX_LENGTH = 12;
/** How stale "last used" may be: a key used all day writes once every few minutes, not on every request. */
const LAST_USED_EVERY_MS = 5 * 60 * 1000;

export const newApiKeySchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    role: z.enum(ROLES).optional(),
    scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length).optional(),
    expires_at: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .refine((key) => (key.role === undefined) !== (key.scopes === undefined), { message: "give either a role or scopes", path: ["role"] });

export type NewApiKey = z.infer<typeof newApiKeySchema>;

export const keyHashOf = async (key: string) => toHex(await sha256(key));

export function apiKeyJson(key: ApiKeyRow, now: number) {
  const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    role: key.role,
    scopes: [...actorOfKey(key).scopes],
    created_by: key.createdBy,
    created_at: iso(key.createdAt),
    expires_at: iso(key.expiresAt),
    last_used_at: iso(key.lastUsedAt),
    revoked_at: iso(key.revokedAt),
    status: key.revokedAt !== null ? "revoked" : key.expiresAt !== null && key.expiresAt <= now ? "expired" : "active",
  };
}

export async function allApiKeys(services: Services) {
  const now = services.now();
  return (await listApiKeys(services.db)).map((key) => apiKeyJson(key, now));
}

/** Makes a key; the clear key is in the answer and nowhere else, ever. */
export async function createApiKey(services: Services, input: NewApiKey): Promise<{ key: string; row: ApiKeyRow }> {
  const now = services.now();
  const expiresAt = input.expires_at ? Date.parse(input.expires_at) : null;
  if (expiresAt !== null && expiresAt <= now) throw new AppError("validation_failed", "expires_at: must be in the future", { problems: [{ field: "expires_at", message: "must be in the future" }] });
  const key = `${KEY_PREFIX}${toBase64Url(crypto.getRandomValues(new Uint8Array(32)))}`;
  const row: ApiKeyRow = {
    id: newId("key", now),
    name: input.name,
    prefix: key.slice(0, SHOWN_PREFIX_LENGTH),
    keyHash: await keyHashOf(key),
    role: input.role ?? null,
    scopes: input.scopes ? JSON.stringify([...new Set(input.scopes)]) : null,
    createdBy: services.actor.name,
    createdAt: now,
    expiresAt,
    lastUsedAt: null,
    revokedAt: null,
  };
  const audit = auditEntry(services.actor, now, {
    action: "api_key.create",
    subjectType: "api_key",
    subjectId: row.id,
    summary: `Made the API key “${row.name}” (${row.prefix}…) with ${row.role ? `the ${row.role} role` : `scopes ${input.scopes?.join(", ")}`}`,
  });
  await runKeyStatements(services.d1, [insertApiKeyStatement(services.d1, row), auditStatement(services.d1, audit)]);
  return { key, row };
}

export async function revokeApiKey(services: Services, id: string): Promise<ApiKeyRow> {
  const key = await apiKeyById(services.db, id);
  if (!key) throw new AppError("not_found", `No API key ${id}`);
  if (key.revokedAt !== null) return key;
  const now = services.now();
  const audit = auditEntry(services.actor, now, { action: "api_key.revoke", subjectType: "api_key", subjectId: id, summary: `Revoked the API key “${key.name}” (${key.prefix}…)` });
  await runKeyStatements(services.d1, [revokeApiKeyStatement(services.d1, id, now), auditStatement(services.d1, audit)]);
  return { ...key, revokedAt: now };
}

/** The actor a presented key stands for; unauthorized when it is unknown, revoked or expired. */
export async function actorOfApiKey(services: Services, presented: string): Promise<Actor> {
  const key = await apiKeyByHash(services.db, await keyHashOf(presented));
  const now = services.now();
  if (!key) throw new AppError("unauthorized", "The API key is not valid");
  if (key.revokedAt !== null) throw new AppError("unauthorized", `The API key ${key.prefix}… was revoked`);
  if (key.expiresAt !== null && key.expiresAt <= now) throw new AppError("unauthorized", `The API key ${key.prefix}… expired`);
  await touchApiKey(services.d1, key.id, now, LAST_USED_EVERY_MS);
  return actorOfKey(key);
}
