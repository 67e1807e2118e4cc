/**
 * Statements on deliveries the channels helper needs; they move into src/inbound/delivery-store.ts
 * at merge.
 */

export interface ChannelDeliveryHealth {
  /** The channel's newest delivery. */
  last: { at: number; outcome: string } | null;
  /** Deliveries refused (or never verified) since the time asked about. */
  failures: number;
}

/** For each channel: its newest delivery and how many were refused since `since`, in one round trip. */
export async function deliveryHealthOfChannels(d1: D1Database, channelIds: string[], since: number): Promise<Map<string, ChannelDeliveryHealth>> {
  if (channelIds.length === 0) return new Map();
  const [last, failures] = await d1.batch([
    d1.prepare(
      `SELECT d.channel_id, d.received_at, d.outcome FROM deliveries d
       JOIN (SELECT channel_id, MAX(received_at) AS at FROM deliveries WHERE channel_id IS NOT NULL GROUP BY channel_id) latest
         ON latest.channel_id = d.channel_id AND latest.at = d.received_at`,
    ),
    d1
      .prepare("SELECT channel_id, COUNT(*) AS failures FROM deliveries WHERE received_at >= ?1 AND outcome IN ('rejected', 'unverified') AND channel_id IS NOT NULL GROUP BY channel_id")
      .bind(since),
  ]);
  const health = new Map<string, ChannelDeliveryHealth>(channelIds.map((id) => [id, { last: null, failures: 0 }]));
  for (const row of last.results as Array<{ channel_id: string; received_at: number; outcome: string }>) {
    const entry = health.get(row.channel_id);
    if (entry) entry.last = { at: row.received_at, outcome: row.outcome };
  }
  for (const row of failures.results as Array<{ channel_id: string; failures: number }>) {
    const entry = health.get(row.channel_id);
    if (entry) entry.failures = row.failures;
  }
  return health;
}
