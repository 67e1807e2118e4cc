/**
 * "Send a test order": the channel's platform makes a small sample order as the store would post
 * it, signed with the channel's newest secret, addressed to the channel's own URI, so it travels
 * the same path as a real webhook (signature check, parsing, storing, the queue). The caller posts
 * it to the Worker. A platform whose deliveries only the source can vouch for (PayPal) has none.
 */
import type { Services } from "../context";
import { AppError } from "../lib/errors";
import { channelUri } from "./channel-admin";
import { openSecret } from "./channel-secrets";
import { loadChannel } from "./channel-store";
import { adapterFor } from "./registry";
import type { ChannelType } from "./types";

export type TestOrderRequest = { ok: true; channelId: string; request: Request } | { ok: false; reason: string };

export async function testOrderRequest(services: Services, id: string, origin: string): Promise<TestOrderRequest> {
  const { row, secrets } = await loadChannel(services.db, id);
  const testOrder = adapterFor(row.type as ChannelType)?.testOrder;
  if (!testOrder || "unavailable" in testOrder) return { ok: false, reason: testOrder?.unavailable ?? "This type of channel has no sample order." };
  const newest = secrets.filter((secret) => secret.revokedAt === null).at(-1);
  if (!newest) throw new AppError("conflict", "The channel has no active secret to sign with");
  const sample = await testOrder.sample(await openSecret(newest.secret, services.config.SETTINGS_KEY), services.now());
  return { ok: true, channelId: row.id, request: new Request(channelUri(origin, row.token), { method: "POST", headers: sample.headers, body: sample.body }) };
}
