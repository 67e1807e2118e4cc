/**
 * A Mozello channel's secret is the store's API key (Store > Store settings > API): Mozello signs
 * notifications with it and the inbox calls the Store API with it. `api_url` exists for tests only.
 */
import { z } from "zod";
import { isTestStoreUrl, sweepEveryMinutes } from "../channel-settings";
import type { ChannelSettings, SettingsOptions } from "../types";

export const MOZELLO_API = "https://api.mozello.com/v1";

const schema = ({ allowInsecureStoreUrls }: SettingsOptions) =>
  z.object({
    api_url: z
      .string()
      .refine((value) => value === MOZELLO_API || isTestStoreUrl(value, allowInsecureStoreUrls), `must be ${MOZELLO_API}`)
      .optional(),
    reconcile_every_minutes: sweepEveryMinutes,
  });

export type MozelloSettings = z.output<ReturnType<typeof schema>>;

export const mozelloSettings: ChannelSettings<MozelloSettings> = {
  schema,
  sealed: [],
  testOnly: ["api_url"],
};
