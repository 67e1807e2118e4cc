/**
 * A Shopify channel needs only its signing key for webhooks. With the shop's domain and an Admin
 * API access token it also reconciles: a sweep finds orders whose webhook never came.
 */
import { z } from "zod";
import type { ChannelSettings } from "../types";

export const DEFAULT_API_VERSION = "2026-07";

export const shopifySettings: ChannelSettings = {
  schema: ({ allowInsecureStoreUrls }) =>
    z.object({
      shop_domain: z
        .string()
        .trim()
        .toLowerCase()
        .refine(
          (value) => /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(value) || (allowInsecureStoreUrls && /^https?:\/\/[^\s]+$/.test(value)),
          'must be the shop\'s myshopify.com domain, like "example.myshopify.com"',
        )
        .optional(),
      access_token: z.string().trim().min(10, "must be an Admin API access token (shpat_…)").max(500).optional(),
      api_version: z
        .string()
        .regex(/^\d{4}-(01|04|07|10)$/, 'must be a Shopify API version like "2026-07"')
        .optional(),
      reconcile_every_minutes: z.number().int().min(5).max(1440).optional(),
    }),
  sealed: ["access_token"],
};
