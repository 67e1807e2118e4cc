/**
 * Mozello's link to the store: the inbox registers the channel's URI for the Store API's order
 * notifications itself. Mozello signs them with the API key, which is the channel's secret.
 */
import type { StoreLink } from "../types";
import { mozelloClientOf } from "./mozello-api";
import type { MozelloSettings } from "./mozello-settings";

export const mozelloStoreLink: StoreLink<MozelloSettings> = {
  // The API key is the channel's secret, which every channel has.
  cannotConnect: () => null,
  async connect(source, uri) {
    const client = mozelloClientOf(source);
    await client.registerNotifications(uri);
    return { notifications: await client.notifications() };
  },
};
