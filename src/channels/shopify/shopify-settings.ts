/**
 * A Shopify channel needs only its signing key for webhooks. With the shop's domain and an Admin
 * API access token it also reconciles: a sweep finds orders whose webhook never came.
 */
import { z } from "zod";
import { isTestStoreUrl, sweepEveryMinutes } from "../channel-settings";
import type { ChannelSettings, SettingsOptions } from "../types";

export const DEFAULT_API_VERSION = "2026-07";

const schema = ({ allowInsecureStoreUrls }: SettingsOptions) =>
  z.object({
    shop_domain: z
      .string()
      .trim()
      .toLowerCase()
      .refine(
        (value) => /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(value) || isTestStoreUrl(value, allowInsecureStoreUrls),
        'must be the shop\'s myshopify.com domain, like "example.myshopify.com"',
      )
      .optional()
      .meta({ title: "Shop domain (….myshopify.com)" }),
    access_token: z.string().trim().min(10, "must be an Admin API access token (shpat_…)").max(500).optional().meta({ title: "Admin API access token" }),
    api_version: z
      .string()
      .regex(/^\d{4}-(01|04|07|10)$/, 'must be a Shopify API version like "2026-07"')
      .optional()
      .meta({ title: "Admin API version (like 2026-07)" }),
    reconcile_every_minutes: sweepEveryMinutes,
  });

export type ShopifySettings = z.output<ReturnType<typeof schema>>;

export const shopifySettings: ChannelSettings<ShopifySettings> = {
  schema,
  sealed: ["access_token"],
};

/** Whether the channel can use the Admin API: the shop's domain and an access token. */
export const holdsAdminApiAccess = (settings: ShopifySettings, credentialKeys: string[]): boolean =>
  typeof settings.shop_domain === "string" && credentialKeys.includes("access_token");
