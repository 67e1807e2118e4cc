/**
 * Runs in Node before the suite: starts the fake stores the Worker talks to over real HTTP on
 * loopback, and hands their addresses to the Worker as bindings.
 */
import type { TestProject } from "vitest/node";
import { startFakeShopify } from "./fakes/shopify-server";
import { startFakeWooCommerce } from "./fakes/woocommerce-server";

declare module "vitest" {
  export interface ProvidedContext {
    shopifyUrl: string;
    wooUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const [shopify, woo] = await Promise.all([startFakeShopify(), startFakeWooCommerce()]);
  project.provide("shopifyUrl", shopify.url);
  project.provide("wooUrl", woo.url);
  return async () => {
    await Promise.all([shopify.close(), woo.close()]);
  };
}
