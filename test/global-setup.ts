/**
 * Runs in Node before the suite: starts the fake stores the Worker talks to over real HTTP on
 * loopback, and hands their addresses to the Worker as bindings.
 */
import type { TestProject } from "vitest/node";
import { startFakeShopify } from "./fakes/shopify-server";

declare module "vitest" {
  export interface ProvidedContext {
    shopifyUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const shopify = await startFakeShopify();
  project.provide("shopifyUrl", shopify.url);
  return () => shopify.close();
}
