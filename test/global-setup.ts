/**
 * Runs in Node before the suite: starts the fake stores the Worker talks to over real HTTP on
 * loopback, and hands their addresses to the Worker as bindings.
 */
import type { TestProject } from "vitest/node";
import { startFakeMozello } from "./fakes/mozello-server";
import { startFakePayPal } from "./fakes/paypal-server";
import { startFakeShopify } from "./fakes/shopify-server";
import { startFakeWooCommerce } from "./fakes/woocommerce-server";
import { startFakeEcb } from "./fakes/ecb-server";
import { startFakeAccess } from "./fakes/access-server";

declare module "vitest" {
  export interface ProvidedContext {
    shopifyUrl: string;
    wooUrl: string;
    mozelloUrl: string;
    paypalUrl: string;
    ecbUrl: string;
    /** A fake Cloudflare Access team domain (no trailing slash) and the key its tokens are signed with. */
    accessUrl: string;
    accessPrivateJwk: string;
    accessKid: string;
  }
}

export default async function setup(project: TestProject) {
  const fakes = await Promise.all([startFakeShopify(), startFakeWooCommerce(), startFakeMozello(), startFakePayPal(), startFakeEcb(), startFakeAccess()]);
  const [shopify, woo, mozello, paypal] = fakes;
  project.provide("shopifyUrl", shopify.url);
  project.provide("wooUrl", woo.url);
  project.provide("mozelloUrl", mozello.url);
  project.provide("paypalUrl", paypal.url);
  project.provide("ecbUrl", fakes[4].url);
  const access = fakes[5];
  project.provide("accessUrl", access.url);
  project.provide("accessPrivateJwk", JSON.stringify(access.privateJwk));
  project.provide("accessKid", access.kid);
  return async () => {
    await Promise.all(fakes.map((fake) => fake.close()));
  };
}
