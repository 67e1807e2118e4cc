/**
 * A PayPal channel's settings. The merchant's PayPal account is identified by its email
 * address(es) and account id (IPNs name the receiver; an IPN for another account is refused).
 * REST credentials (client id + secret of an app on the merchant's own account with Transaction
 * Search enabled) let the inbox read the transaction feed and look orders up; the webhook id
 * verifies REST webhooks. `api_url` exists for tests only: it stands in for every PayPal host.
 */
import { z } from "zod";
import { isTestStoreUrl, sweepEveryMinutes } from "../channel-settings";
import type { ChannelSettings, SettingsOptions } from "../types";

export type PayPalEnvironment = "live" | "sandbox";

const HOSTS: Record<PayPalEnvironment, { api: string; ipn: string; certHosts: string[]; certCommonName: string }> = {
  live: {
    api: "https://api-m.paypal.com",
    ipn: "https://ipnpb.paypal.com/cgi-bin/webscr",
    certHosts: ["api.paypal.com", "api-m.paypal.com"],
    certCommonName: "messageverificationcerts.paypal.com",
  },
  sandbox: {
    api: "https://api-m.sandbox.paypal.com",
    ipn: "https://ipnpb.sandbox.paypal.com/cgi-bin/webscr",
    certHosts: ["api.sandbox.paypal.com", "api-m.sandbox.paypal.com"],
    certCommonName: "messageverificationcerts.sandbox.paypal.com",
  },
};

export const CERT_PATH = "/v1/notifications/certs/";

export interface PayPalEndpoints {
  environment: PayPalEnvironment;
  api: string;
  ipnVerify: string;
  /** Whether a PAYPAL-CERT-URL may be fetched: only PayPal's own hosts, over https, under the certs path. */
  certUrlAllowed(url: string): boolean;
  certCommonName: string;
}

export function paypalEndpoints(settings: PayPalSettings): PayPalEndpoints {
  const environment: PayPalEnvironment = settings.environment === "sandbox" ? "sandbox" : "live";
  const hosts = HOSTS[environment];
  const override = settings.api_url?.replace(/\/+$/, "") ?? null;
  if (override) {
    return {
      environment,
      api: override,
      ipnVerify: `${override}/cgi-bin/webscr`,
      certUrlAllowed: (url) => url.startsWith(`${override}${CERT_PATH}`) && !url.includes(".."),
      certCommonName: hosts.certCommonName,
    };
  }
  return {
    environment,
    api: hosts.api,
    ipnVerify: hosts.ipn,
    certUrlAllowed(url) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        return false;
      }
      return (
        parsed.protocol === "https:" &&
        parsed.port === "" &&
        parsed.username === "" &&
        hosts.certHosts.includes(parsed.hostname) &&
        parsed.pathname.startsWith(CERT_PATH) &&
        !parsed.pathname.includes("..")
      );
    },
    certCommonName: hosts.certCommonName,
  };
}

const schema = ({ allowInsecureStoreUrls }: SettingsOptions) =>
  z.object({
    environment: z.enum(["live", "sandbox"]).optional().meta({ title: "PayPal environment" }),
    /** The merchant's PayPal email addresses: IPNs to any other receiver are refused. */
    account_emails: z.array(z.email()).min(1).max(10).optional().meta({ title: "PayPal account e-mail addresses" }),
    /** The merchant's PayPal account id (13 characters), the other way an IPN names its receiver. */
    receiver_id: z.string().regex(/^[A-Z0-9]{13}$/, "must be the 13-character PayPal account id").optional().meta({ title: "PayPal account id" }),
    /** The id of the webhook subscription on the merchant's REST app: REST webhooks are signed over it. */
    webhook_id: z.string().min(1).max(100).optional().meta({ title: "REST app webhook id" }),
    client_id: z.string().min(1).max(200).optional().meta({ title: "REST app client id" }),
    client_secret: z.string().min(1).max(200).optional().meta({ title: "REST app client secret" }),
    /** Whether Website Payments Standard cart payments (T0007, web_accept) are orders too. */
    include_standard_payments: z.boolean().optional().meta({ title: "Website Payments Standard payments are orders too" }),
    api_url: z
      .string()
      .refine((value) => isTestStoreUrl(value, allowInsecureStoreUrls), "is for tests only")
      .optional(),
    reconcile_every_minutes: sweepEveryMinutes,
  });

export type PayPalSettings = z.output<ReturnType<typeof schema>>;

export const paypalSettings: ChannelSettings<PayPalSettings> = {
  schema,
  sealed: ["client_secret"],
  testOnly: ["api_url"],
};
