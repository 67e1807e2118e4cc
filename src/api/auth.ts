/** Bearer-token access to the management API: `Authorization: Bearer <ADMIN_TOKEN>`. */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import { AppError } from "../lib/errors";
import { timingSafeEqual } from "../lib/encoding";
import { sha256 } from "../lib/hmac";

/** Whether `given` is the admin token; hashing first makes the comparison constant-time whatever the lengths. */
export async function isAdminToken(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(given), sha256(expected)]);
  return timingSafeEqual(a, b);
}

export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match) throw new AppError("unauthorized", "Send the admin token as Authorization: Bearer <token>");
  if (!(await isAdminToken(match[1].trim(), c.var.services.config.ADMIN_TOKEN))) throw new AppError("unauthorized", "The admin token is not valid");
  await next();
});
