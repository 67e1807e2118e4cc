/** Bearer-token access to the management API: `Authorization: Bearer <ADMIN_TOKEN>`. */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import { isAdminToken } from "../lib/admin-token";
import { AppError } from "../lib/errors";

export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match) throw new AppError("unauthorized", "Send the admin token as Authorization: Bearer <token>");
  if (!(await isAdminToken(match[1].trim(), c.var.services.config.ADMIN_TOKEN))) throw new AppError("unauthorized", "The admin token is not valid");
  await next();
});
