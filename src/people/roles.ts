/**
 * What each person may do. A scope is one power over one area (`orders:write`); a role is the set
 * of scopes a kind of person needs. API keys carry a role or a list of scopes; every route names
 * the one scope it needs (src/guard/policy.ts), and the server checks it on every request.
 */

export const SCOPES = [
  "orders:read",
  "orders:write",
  "documents:read",
  "documents:write",
  "payments:write",
  "exports:read",
  "catalog:read",
  "catalog:write",
  "stock:read",
  "stock:write",
  "channels:read",
  "channels:write",
  "channels:secrets",
  "deliveries:read",
  "deliveries:write",
  "settings:read",
  "settings:write",
  "audit:read",
  "users:manage",
] as const;

export type Scope = (typeof SCOPES)[number];

export const ROLES = ["owner", "bookkeeper", "operator", "viewer"] as const;

export type Role = (typeof ROLES)[number];

/** Reading what the inbox holds, short of the audit trail and exports: what every role starts with. */
const READ: readonly Scope[] = ["orders:read", "documents:read", "catalog:read", "stock:read", "channels:read", "deliveries:read", "settings:read"];

export const ROLE_SCOPES: Readonly<Record<Role, readonly Scope[]>> = {
  /** Everything, the people and the settings included. */
  owner: SCOPES,
  /** Orders, documents, payments and exports; the company's tax settings; never a channel's secrets or the people. */
  bookkeeper: [...READ, "orders:write", "documents:write", "payments:write", "exports:read", "catalog:write", "settings:write", "audit:read"],
  /** The inbox's daily work: processing and ignoring orders, stock counts, products; no cancelling or crediting, no settings. */
  operator: [...READ, "orders:write", "catalog:write", "stock:write", "deliveries:write"],
  viewer: READ,
};

export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  owner: "Owner: everything, people and settings included",
  bookkeeper: "Bookkeeper: orders, documents, payments, exports, tax settings",
  operator: "Operator: inbox work, stock counts and products",
  viewer: "Viewer: reads everything but the audit trail",
};

export const isRole = (value: unknown): value is Role => typeof value === "string" && (ROLES as readonly string[]).includes(value);
export const isScope = (value: unknown): value is Scope => typeof value === "string" && (SCOPES as readonly string[]).includes(value);

export const scopesOfRole = (role: Role): ReadonlySet<Scope> => new Set(ROLE_SCOPES[role]);
