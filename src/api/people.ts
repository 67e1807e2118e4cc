/**
 * /api/me, /api/users, /api/api-keys, /api/audit — the people and keys that may use the inbox, and
 * what they did. Users and keys are an owner's (`users:manage`); the audit trail is read-only.
 */
import { Hono } from "hono";
import type { AppEnv } from "../context";
import { allApiKeys, apiKeyJson, createApiKey, newApiKeySchema, revokeApiKey } from "../people/api-keys";
import { auditFilterSchema, auditJson, findAudit } from "../people/audit-log";
import { allUsers, changeUser, createUser, newUserSchema, userChangeSchema, userJson } from "../people/users";
import { parseJsonBody, parseQuery } from "./validate";

export const meRoute = new Hono<AppEnv>().get("/", (c) => {
  const { actor } = c.var.services;
  return c.json({ kind: actor.kind, id: actor.id, name: actor.name, role: actor.role, scopes: [...actor.scopes].sort() });
});

export const userRoutes = new Hono<AppEnv>()
  .get("/", async (c) => c.json({ items: await allUsers(c.var.services) }))
  .post("/", async (c) => c.json(userJson(await createUser(c.var.services, await parseJsonBody(c, newUserSchema))), 201))
  .patch("/:id", async (c) => c.json(userJson(await changeUser(c.var.services, c.req.param("id"), await parseJsonBody(c, userChangeSchema)))));

export const apiKeyRoutes = new Hono<AppEnv>()
  .get("/", async (c) => c.json({ items: await allApiKeys(c.var.services) }))
  .post("/", async (c) => {
    const { key, row } = await createApiKey(c.var.services, await parseJsonBody(c, newApiKeySchema));
    return c.json({ ...apiKeyJson(row, c.var.services.now()), key }, 201);
  })
  .delete("/:id", async (c) => c.json(apiKeyJson(await revokeApiKey(c.var.services, c.req.param("id")), c.var.services.now())));

export const auditRoutes = new Hono<AppEnv>().get("/", async (c) => {
  const result = await findAudit(c.var.services, parseQuery(c, auditFilterSchema));
  return c.json({ items: result.items.map(auditJson), next_cursor: result.next_cursor });
});
