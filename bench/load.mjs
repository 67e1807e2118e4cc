/**
 * A small closed-loop load generator: `connections` loops, each sending its next request as soon
 * as the previous answer is read. Node's fetch (undici) keeps connections alive, so each loop
 * holds one connection. Answers that complete during the warm-up are sent but not counted.
 */
import { setTimeout as sleep } from "node:timers/promises";

const REQUEST_TIMEOUT_MS = 30_000;

/**
 * @param makeRequest () => RequestInit, called before every request (not timed), so each can
 *   carry a fresh order and signature.
 */
export async function runLoad({ url, makeRequest, connections, warmupMs, durationMs }) {
  const startedAt = performance.now();
  const window = { from: startedAt + warmupMs, to: startedAt + warmupMs + durationMs };
  const tally = { latencies: [], non2xx: 0, errors: 0, statuses: {}, total2xx: 0 };
  const loops = Array.from({ length: connections }, () => loop(url, makeRequest, window, tally));
  await Promise.all(loops);
  return summarise(tally, durationMs);
}

async function loop(url, makeRequest, window, tally) {
  while (performance.now() < window.to) {
    const init = makeRequest();
    const sentAt = performance.now();
    let status = 0;
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      await response.arrayBuffer();
      status = response.status;
    } catch {
      // counted below as an error (status 0); pause so a dead server is not hammered in a tight loop
      await sleep(10);
    }
    const doneAt = performance.now();
    if (status >= 200 && status < 300) tally.total2xx++;
    if (doneAt >= window.from && doneAt < window.to) record(tally, status, doneAt - sentAt);
  }
}

function record(tally, status, latencyMs) {
  tally.latencies.push(latencyMs);
  tally.statuses[status] = (tally.statuses[status] ?? 0) + 1;
  if (status === 0) tally.errors++;
  else if (status < 200 || status >= 300) tally.non2xx++;
}

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted, p) => (sorted.length ? sorted[Math.max(Math.ceil((p / 100) * sorted.length) - 1, 0)] : NaN);

function summarise({ latencies, non2xx, errors, statuses, total2xx }, durationMs) {
  const sorted = latencies.sort((a, b) => a - b);
  return {
    requests: sorted.length,
    rps: sorted.length / (durationMs / 1000),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    non2xx,
    errors,
    statuses,
    // Including the warm-up: for ingest, the number of orders the inbox stored and queued.
    total2xx,
  };
}
