/**
 * A refund as the store reported it: which order, how much money went back, and for which lines.
 * Like the order, it is defined once and instantiated with decimal strings (wire) or minor units.
 */
import { z } from "zod";
import { isCurrency, LIMITS, MoneyFormatError, quantityProblem, toMinorWithin, fromMinor } from "./money";
import { issuesOf, type FieldIssue } from "../lib/validate";

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string like "12.50"');

function defineRefund<M extends z.ZodType>(money: M) {
  return z.object({
    external_id: z.string().min(1).max(255),
    order_external_id: z.string().min(1).max(255),
    created_at: z.iso.datetime({ offset: true }),
    currency: z.string().refine(isCurrency, "must be an ISO 4217 currency code"),
    note: z.string().max(10_000).nullish(),
    /** Money that went back to the customer (0 for a restock-only refund). */
    amount: money,
    lines: z
      .array(
        z.object({
          line_external_id: z.string().nullish(),
          sku: z.string().nullish(),
          quantity: z.number().superRefine((value, context) => {
            const problem = quantityProblem(value);
            if (problem) context.addIssue({ code: "custom", message: problem });
          }),
          subtotal: money,
          tax: money,
        }),
      )
      .max(LIMITS.lines),
    shipping: money,
  });
}

export const refundWireSchema = defineRefund(decimal).meta({ id: "Refund" });
export const refundSchema = defineRefund(z.number().int());
export type RefundWire = z.output<typeof refundWireSchema>;
export type Refund = z.output<typeof refundSchema>;

export function decodeRefund(input: unknown): { ok: true; refund: Refund } | { ok: false; issues: FieldIssue[] } {
  const parsed = refundWireSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error) };
  const wire = parsed.data;
  const issues: FieldIssue[] = [];
  const minor = (amount: string, field: string) => {
    try {
      return toMinorWithin(amount, wire.currency);
    } catch (error) {
      if (!(error instanceof MoneyFormatError)) throw error;
      issues.push({ field, message: error.message });
      return 0;
    }
  };
  const refund: Refund = {
    ...wire,
    amount: minor(wire.amount, "amount"),
    lines: wire.lines.map((line, index) => ({
      ...line,
      subtotal: minor(line.subtotal, `lines.${index}.subtotal`),
      tax: minor(line.tax, `lines.${index}.tax`),
    })),
    shipping: minor(wire.shipping, "shipping"),
  };
  // Credit notes add the refund's amounts up: the sum must stay exact in a double.
  const sum = [refund.amount, refund.shipping, ...refund.lines.flatMap((line) => [line.subtotal, line.tax])].reduce((total, minor) => total + Math.abs(minor), 0);
  if (!issues.length && sum * 2 > Number.MAX_SAFE_INTEGER) issues.push({ field: "lines", message: "the refund's amounts add up beyond what can be counted exactly" });
  return issues.length ? { ok: false, issues } : { ok: true, refund };
}

export function encodeRefund(refund: Refund): RefundWire {
  const money = (minor: number) => fromMinor(minor, refund.currency);
  return {
    ...refund,
    amount: money(refund.amount),
    lines: refund.lines.map((line) => ({ ...line, subtotal: money(line.subtotal), tax: money(line.tax) })),
    shipping: money(refund.shipping),
  };
}
