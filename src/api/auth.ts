/** Bearer-token access to the management API: `Authorization: Bearer <ADMIN_TOKEN>`. */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import { AppError } from "../lib/errors";
import { timingSafeEqual } from "../lib/encoding";
import { sha256 } from "../lib/hmac";

export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match) throw new AppError("unauthorized", "Send the admin token as Authorization: Bearer <token>");
  // Hashing first makes the comparison constant-time whatever the lengths.
  const [given, expected] = await Promise.all([sha256(match[1].trim()), sha256(c.var.services.config.ADMIN_TOKEN)]);
  if (!timingSafeEqual(given, expected)) throw new AppError("unauthorized", "The admin token is not valid");
  await next();
});
