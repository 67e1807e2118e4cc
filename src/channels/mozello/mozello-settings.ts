/**
 * A Mozello channel's secret is the store's API key (Store > Store settings > API): Mozello signs
 * notifications with it and the inbox calls the Store API with it. `api_url` exists for tests only.
 */
import { z } from "zod";
import type { ChannelSettings } from "../types";

export const MOZELLO_API = "https://api.mozello.com/v1";

export const mozelloSettings: ChannelSettings = {
  schema: ({ allowInsecureStoreUrls }) =>
    z.object({
      api_url: z
        .string()
        .refine((value) => value === MOZELLO_API || (allowInsecureStoreUrls && /^https?:\/\/\S+$/.test(value)), `must be ${MOZELLO_API}`)
        .optional(),
      reconcile_every_minutes: z.number().int().min(5).max(1440).optional(),
    }),
  sealed: [],
};
