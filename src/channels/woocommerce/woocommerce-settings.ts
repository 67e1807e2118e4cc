/**
 * WooCommerce Premium connects to the store's REST API with a consumer key and secret (created
 * under WooCommerce > Settings > Advanced > REST API, Read/Write). Over HTTPS they travel as Basic
 * auth; a store on plain HTTP gets OAuth 1.0a signatures instead, as WooCommerce requires.
 */
import { z } from "zod";
import { sweepEveryMinutes } from "../channel-settings";
import type { ChannelSettings } from "../types";

const schema = () =>
  z.object({
    store_url: z
      .string()
      .trim()
      .refine((value) => {
        try {
          const url = new URL(value);
          return (url.protocol === "https:" || url.protocol === "http:") && !url.username && !url.search && !url.hash;
        } catch {
          return false;
        }
      }, 'must be the store\'s address, like "https://shop.example" (no query, no user)')
      .transform((value) => value.replace(/\/+$/, ""))
      .optional()
      .meta({ title: "Store address (https://…)" }),
    consumer_key: z.string().trim().regex(/^ck_[A-Za-z0-9]+$/, "must be a WooCommerce consumer key (ck_…)").optional().meta({ title: "Consumer key (ck_…)" }),
    consumer_secret: z.string().trim().regex(/^cs_[A-Za-z0-9]+$/, "must be a WooCommerce consumer secret (cs_…)").optional().meta({ title: "Consumer secret (cs_…)" }),
    reconcile_every_minutes: sweepEveryMinutes,
  });

export type WooPremiumSettings = z.output<ReturnType<typeof schema>>;

export const wooPremiumSettings: ChannelSettings<WooPremiumSettings> = {
  schema,
  sealed: ["consumer_key", "consumer_secret"],
};

/** Whether the channel holds what the REST API needs: the store's address and both keys. */
export const holdsRestApiKeys = (settings: WooPremiumSettings, credentialKeys: string[]): boolean =>
  typeof settings.store_url === "string" && credentialKeys.includes("consumer_key") && credentialKeys.includes("consumer_secret");
