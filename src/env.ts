/**
 * The Worker's configuration, checked once per request at the entry point: bindings from
 * wrangler.toml, vars with their defaults, and secrets. A bad value fails closed with a message
 * that names the key, instead of surfacing later as a confusing error.
 */
import { z } from "zod";

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const envSchema = z.object({
  DB: z.custom<D1Database>((value) => typeof value === "object" && value !== null, "the D1 binding DB is missing"),
  /** R2: raw delivery bodies, gzipped, one object per delivery (src/inbound/archive.ts). */
  ARCHIVE: z.custom<R2Bucket>((value) => typeof value === "object" && value !== null, "the R2 binding ARCHIVE is missing"),
  ORDER_QUEUE: z.custom<Queue<unknown>>((value) => typeof value === "object" && value !== null, "the Queue binding ORDER_QUEUE is missing"),
  ADMIN_TOKEN: z.string({ error: "the ADMIN_TOKEN secret is not set" }).min(16, "ADMIN_TOKEN must be at least 16 characters"),
  /** Seals store credentials at rest; only needed once a channel holds some (32 bytes, base64). */
  SETTINGS_KEY: z.string().optional(),
  /** Tests point store clients at a fake store on plain HTTP; production never does. */
  ALLOW_INSECURE_STORE_URLS: z
    .enum(["true", "false"])
    .default("false")
    .transform((value) => value === "true"),
  /** Logs what each processed order cost in D1 (round trips, statements, rows): the bench turns it on. */
  LOG_D1_COST: z
    .enum(["true", "false"])
    .default("false")
    .transform((value) => value === "true"),
  MAX_BODY_BYTES: positiveInt(1024 * 1024),
  RAW_BODY_RETENTION_DAYS: positiveInt(30),
  /** Archived raw bodies are kept forever unless set (unset or empty); then deleted after this many days. */
  ARCHIVE_RETENTION_DAYS: z.preprocess((value) => (value === "" ? undefined : value), z.coerce.number().int().positive().optional()),
  SWEEP_AFTER_MINUTES: positiveInt(10),
  PROCESSING_MAX_ATTEMPTS: positiveInt(5),
  /**
   * Subrequests one stock-sync step (one queue message, one Worker invocation) may make to a store.
   * Workers allow 50 per invocation on the free plan; 40 leaves room for the rest.
   */
  STOCK_SYNC_SUBREQUESTS: z.coerce.number().int().min(1).max(1000).default(40),
  /** The ECB's daily reference rates (its 90-day file sits beside it); tests point it at a fake. */
  ECB_RATES_URL: z.url().default("https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"),
  /** The EU's VIES REST API (buyers' VAT numbers); tests point it at a fake. */
  VIES_URL: z.string().url().default("https://ec.europa.eu/taxation_customs/vies/rest-api"),
  /**
   * The sender of documents sent by e-mail (invoices@<merchant domain>, a domain on-boarded to
   * Cloudflare Email Service). Unset: nothing is sent, and each send fails with this reason.
   */
  MAIL_FROM: z.preprocess((value) => (value === "" ? undefined : value), z.email("MAIL_FROM must be an e-mail address").optional()),
  /**
   * Cloudflare Access in front of the dashboard (docs/people.md): the team domain
   * (https://<team>.cloudflareaccess.com) and the application's audience tag. Both set: the dashboard
   * takes its users from Access's signed JWT and password sign-in is off. Both unset: passwords.
   */
  ACCESS_TEAM_DOMAIN: z.preprocess((value) => (value === "" ? undefined : value), z.url("ACCESS_TEAM_DOMAIN must be a URL like https://<team>.cloudflareaccess.com").optional()),
  ACCESS_AUD: z.preprocess((value) => (value === "" ? undefined : value), z.string().min(8, "ACCESS_AUD must be the Access application's audience tag").optional()),
}).refine((config) => (config.ACCESS_TEAM_DOMAIN === undefined) === (config.ACCESS_AUD === undefined), {
  path: ["ACCESS_AUD"],
  message: "set both ACCESS_TEAM_DOMAIN and ACCESS_AUD, or neither",
}).refine((config) => config.ARCHIVE_RETENTION_DAYS === undefined || config.ARCHIVE_RETENTION_DAYS >= config.RAW_BODY_RETENTION_DAYS, {
  path: ["ARCHIVE_RETENTION_DAYS"],
  message: "ARCHIVE_RETENTION_DAYS must be at least RAW_BODY_RETENTION_DAYS: a body is archived before D1 lets it go",
});

export type AppConfig = z.output<typeof envSchema>;

/** Bindings as workerd hands them over (vars arrive as strings). */
export type WorkerEnv = Env & {
  ADMIN_TOKEN?: string;
  ARCHIVE_RETENTION_DAYS?: string;
  MAIL_FROM?: string;
  ECB_RATES_URL?: string;
  ACCESS_TEAM_DOMAIN?: string;
  ACCESS_AUD?: string;
  /** The send_email binding (Cloudflare Email Service); read where mail is sent, not checked per request. */
  EMAIL?: SendEmail;
};

// The same env object is handed to every request of an isolate; parse it once.
const parsed = new WeakMap<object, ReturnType<typeof envSchema.safeParse>>();

export function readConfig(env: WorkerEnv): { ok: true; config: AppConfig } | { ok: false; message: string } {
  let result = parsed.get(env);
  if (!result) {
    result = envSchema.safeParse(env);
    parsed.set(env, result);
  }
  if (result.success) return { ok: true, config: result.data };
  const keys = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
  return { ok: false, message: `The Worker is misconfigured: ${keys}` };
}
