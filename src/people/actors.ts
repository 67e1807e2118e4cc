/** The actor each kind of credential stands for. */
import type { Actor } from "../context";
import type { ApiKeyRow, UserRow } from "../db/schema";
import { isRole, isScope, SCOPES, scopesOfRole, type Scope } from "./roles";

export function actorOfUser(user: Pick<UserRow, "id" | "name" | "role">): Actor {
  return { kind: "user", id: user.id, name: user.name, role: user.role, scopes: isRole(user.role) ? scopesOfRole(user.role) : new Set() };
}

/** A key holds its role's scopes, or the scopes it lists; anything unknown grants nothing. */
export function actorOfKey(key: Pick<ApiKeyRow, "id" | "name" | "role" | "scopes">): Actor {
  const listed: Scope[] = key.scopes ? (JSON.parse(key.scopes) as unknown[]).filter(isScope) : [];
  const scopes = isRole(key.role) ? scopesOfRole(key.role) : new Set(listed);
  return { kind: "key", id: key.id, name: key.name, role: isRole(key.role) ? key.role : null, scopes };
}

/** ADMIN_TOKEN: the bootstrap owner key every set-up had before named users, still an owner. */
export const ADMIN_TOKEN_ACTOR: Actor = { kind: "admin_token", id: "admin_token", name: "Admin token", role: "owner", scopes: new Set(SCOPES) };
