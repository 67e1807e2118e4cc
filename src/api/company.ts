/**
 * /api/company — the company profile: the seller every document names, and how the books are kept
 * (base currency, time zone, locale). PUT changes the fields it names; the logo is its own PUT.
 */
import { Hono } from "hono";
import type { AppEnv } from "../context";
import { companyLogo, companyProfileView, changeCompanyProfile, LOGO_MAX_BYTES, removeCompanyLogo, replaceCompanyLogo } from "../company/company";
import { companyProfileUpdateSchema } from "../company/profile";
import { readBodyWithin } from "../inbound/read-body";
import { AppError } from "../lib/errors";
import { parseJsonBody } from "./validate";

export const companyRoutes = new Hono<AppEnv>()
  .get("/", async (c) => c.json(await companyProfileView(c.var.services.d1)))

  .put("/", async (c) => {
    const change = await parseJsonBody(c, companyProfileUpdateSchema);
    return c.json(await changeCompanyProfile(c.var.services.d1, change, c.var.services.now()));
  })

  .get("/logo", async (c) => {
    const logo = await companyLogo(c.var.services);
    if (!logo) throw new AppError("not_found", "The company has no logo");
    return c.body(logo.bytes, 200, { "content-type": logo.type, "cache-control": "private, max-age=300" });
  })

  .put("/logo", async (c) => {
    const type = (c.req.header("content-type") ?? "").split(";")[0].trim().toLowerCase();
    const read = await readBodyWithin(c.req.raw, LOGO_MAX_BYTES);
    if (!read.ok) throw new AppError("payload_too_large", `A logo must be at most ${LOGO_MAX_BYTES / 1024} KiB`);
    return c.json(await replaceCompanyLogo(c.var.services, read.bytes, type));
  })

  .delete("/logo", async (c) => c.json(await removeCompanyLogo(c.var.services)));
