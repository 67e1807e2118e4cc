/**
 * Mozello's link to the store: the inbox registers the channel's URI for the Store API's order
 * notifications itself. Mozello signs them with the API key, which is the channel's secret.
 *
 * Mozello keeps ONE notification URL per store: registering replaces whatever another app (an
 * accounting link, a marketplace sync) set there, silently cutting it off. So the current one is
 * read first, and a URL other than this channel's is only replaced when the merchant says so
 * (`force`); otherwise connecting is refused with `notification_url_taken`.
 */
import { AppError } from "../../lib/errors";
import type { StoreLink } from "../types";
import { mozelloClientOf } from "./mozello-api";
import type { MozelloSettings } from "./mozello-settings";

export const mozelloStoreLink: StoreLink<MozelloSettings> = {
  // The API key is the channel's secret, which every channel has.
  cannotConnect: () => null,
  async connect(source, uri, options = {}) {
    const client = mozelloClientOf(source);
    const current = (await client.notifications()).notifications_url;
    if (current && current !== uri && !options.force) {
      throw new AppError(
        "notification_url_taken",
        `Mozello already sends this store's notifications to ${current}, and keeps only one address: connecting would cut that off. Connect with {"force": true} to replace it.`,
      );
    }
    await client.registerNotifications(uri);
    return { notifications: await client.notifications() };
  },
};
