/**
 * JSON without number loss: every number comes back as the exact text the sender wrote
 * ("820982911946154508", "0.19", "12.50"). Store ids above 2^53 and money survive; the schema that
 * reads the value decides what each field is. Relies on JSON.parse source text access (V8 ≥ 11.4).
 */
type Reviver = (key: string, value: unknown, context?: { source?: string }) => unknown;

const keepNumberText: Reviver = (_key, value, context) =>
  typeof value === "number" && context?.source !== undefined ? context.source : value;

export function parseJsonLossless(text: string): unknown {
  return JSON.parse(text, keepNumberText as (key: string, value: unknown) => unknown);
}
