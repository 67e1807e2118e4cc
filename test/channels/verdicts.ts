/** Small readers for adapter verdicts, so tests say what they expect instead of unpacking unions. */
import type { Arrival } from "../../src/orders/arrival";
import type { ParseVerdict } from "../../src/channels/types";
import type { Order } from "../../src/orders/order";

export function arrivalsOf(verdict: ParseVerdict): Arrival[] {
  if (verdict.kind !== "arrivals") throw new Error(`expected arrivals, got ${JSON.stringify(verdict)}`);
  return verdict.arrivals;
}

export function orderOf(verdict: ParseVerdict): Order {
  const [first] = arrivalsOf(verdict);
  if (first.type !== "order") throw new Error(`expected an order, got ${JSON.stringify(first)}`);
  return first.order;
}

export const keyOf = (verdict: ParseVerdict): string => arrivalsOf(verdict)[0].key;
