/** Every channel type the inbox knows, and the adapter that serves it (null until its issue lands). */
import { connectAdapter } from "./connect";
import { shopifyAdapter } from "./shopify";
import type { ChannelAdapter, ChannelType } from "./types";

export function adapterFor(type: ChannelType): ChannelAdapter | null {
  switch (type) {
    case "connect":
      return connectAdapter;
    case "shopify":
      return shopifyAdapter;
    case "woocommerce":
    case "woocommerce-premium":
    case "paypal":
    case "mozello":
      return null;
    default: {
      const unreachable: never = type;
      throw new Error(`unknown channel type ${unreachable}`);
    }
  }
}
