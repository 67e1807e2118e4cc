/**
 * Who calls the management API: `Authorization: Bearer <key>`, an API key (`sik_…`, see
 * src/people/api-keys.ts) or the bootstrap ADMIN_TOKEN, an owner. What the caller may then do is
 * the route policy's (src/guard/guard.ts), checked right after.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import { isAdminToken } from "../lib/admin-token";
import { AppError } from "../lib/errors";
import { ADMIN_TOKEN_ACTOR } from "../people/actors";
import { actorOfApiKey, KEY_PREFIX } from "../people/api-keys";

export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match) throw new AppError("unauthorized", "Send an API key (or the admin token) as Authorization: Bearer <key>");
  const presented = match[1].trim();
  const { services } = c.var;
  let actor;
  if (presented.startsWith(KEY_PREFIX)) actor = await actorOfApiKey(services, presented);
  else if (await isAdminToken(presented, services.config.ADMIN_TOKEN)) actor = ADMIN_TOKEN_ACTOR;
  else throw new AppError("unauthorized", "The API key is not valid");
  c.set("services", { ...services, actor });
  await next();
});
