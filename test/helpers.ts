/** Test harness: calls into the real Worker (workerd, D1, Queue) the way a store or an admin would. */
import { env, exports } from "cloudflare:workers";
import { signConnect } from "../src/channels/connect/connect-signature";
import { sampleOrder as baseOrder } from "./fixtures/connect/sample-order.js";

export const ADMIN_TOKEN = env.ADMIN_TOKEN;
export const ORIGIN = "https://inbox.example";

export function worker(): { fetch(request: Request): Promise<Response> } {
  return (exports as unknown as { default: { fetch(request: Request): Promise<Response> } }).default;
}

export async function api(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("authorization")) headers.set("authorization", `Bearer ${ADMIN_TOKEN}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return worker().fetch(new Request(`${ORIGIN}${path}`, { ...init, headers, body }));
}

export interface TestChannel {
  id: string;
  uri: string;
  token: string;
  secret: string;
  secrets: Array<{ id: string }>;
}

export async function createChannel(name = "Test shop", extra: Record<string, unknown> = {}): Promise<TestChannel> {
  const response = await api("/api/channels", { method: "POST", json: { type: "connect", name, ...extra } });
  if (response.status !== 201) throw new Error(`creating a channel answered ${response.status}: ${await response.text()}`);
  const channel = (await response.json()) as TestChannel;
  return { ...channel, token: channel.uri.split("/in/")[1] };
}

/** Posts a raw body to a channel URI with the given headers, as a store's webhook would. */
export async function deliver(token: string, body: string, headers: Record<string, string>): Promise<Response> {
  return worker().fetch(new Request(`${ORIGIN}/in/${token}`, { method: "POST", headers, body }));
}

export interface PostOptions {
  secret?: string;
  contentType?: string;
  /** Unix seconds for the signature; now by default. */
  signedAt?: number;
  signature?: string | null;
  headers?: Record<string, string>;
}

/** Posts a body to a channel URI, signed the way the README tells a plugin author to sign it. */
export async function postOrder(channel: Pick<TestChannel, "token" | "secret">, body: string | Uint8Array, options: PostOptions = {}) {
  const headers = new Headers(options.headers);
  headers.set("content-type", options.contentType ?? "application/json");
  const signature =
    options.signature === undefined
      ? await signConnect(body, options.secret ?? channel.secret, options.signedAt ?? Math.floor(Date.now() / 1000))
      : options.signature;
  if (signature !== null) headers.set("x-inbox-signature", signature);
  return worker().fetch(new Request(`${ORIGIN}/in/${channel.token}`, { method: "POST", headers, body }));
}

/** A valid Connect order that adds up, with `lines` lines and a fresh external id; fields can be overridden. */
export function sampleOrder(overrides: Record<string, unknown> = {}, lines = 1): Record<string, unknown> {
  return { ...baseOrder(`ext-${crypto.randomUUID()}`, lines), ...overrides };
}

export async function json<T = any>(response: Response): Promise<T> {
  return (await response.json()) as T;
}
