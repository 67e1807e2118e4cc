/**
 * The normalised order: the inbox's own model, the same for every channel. It is defined once,
 * by `defineOrder(money)`, and instantiated twice: on the wire money is a decimal string in the
 * order's currency; inside, money is an integer count of minor units.
 */
import { z } from "zod";
import { issuesOf, type FieldIssue } from "../lib/validate";
import { countryCode } from "./countries";
import { fromMinor, isCurrency, LIMITS, MoneyFormatError, multiplyQuantity, quantityProblem, toMinorWithin } from "./money";

/** A line that is not goods or a service (see the line's `kind`). */
export const LINE_KINDS = ["tip", "gift_card"] as const;
export type LineKind = (typeof LINE_KINDS)[number];

export const FINANCIAL_STATUSES = [
  "pending",
  "paid",
  "partially_paid",
  "refunded",
  "partially_refunded",
  "voided",
] as const;

const text = (max = 500) => z.string().max(max);
const optionalText = (max = 500) => text(max).nullish();
const timestamp = z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time with a time zone, like 2026-11-28T10:15:00Z" });

/**
 * Quantities may be fractional (0.25 kg); XML and some senders give them as strings. Either way
 * a plain decimal within LIMITS (money.ts): 1e21 or 0.1234567 would fail every later step.
 */
export const quantity = z
  .union([z.number(), z.string()])
  .superRefine((value, context) => {
    const problem = quantityProblem(value);
    if (problem) context.addIssue({ code: "custom", message: problem });
  })
  .transform(Number);

/** A percentage as a decimal string: "21", "5.5", "0"; at most LIMITS.taxRatePercent. */
const taxRate = z
  .union([z.string(), z.number().transform(String)])
  .pipe(
    z
      .string()
      .regex(/^\d{1,4}(\.\d{1,10})?$/, 'must be a percentage as a decimal string, like "21" or "5.5"')
      .refine((value) => Number(value) <= LIMITS.taxRatePercent, `must be at most ${LIMITS.taxRatePercent}`),
  );

const booleanFlag = z.union([
  z.boolean(),
  z.enum(["true", "false", "1", "0"]).transform((value) => value === "true" || value === "1"),
]);

const currencyCode = z
  .string()
  .transform((value) => value.trim().toUpperCase())
  .refine(isCurrency, 'must be an ISO 4217 currency code, like "EUR"');

function defineOrder<M extends z.ZodType, S extends z.ZodType>(money: M, signedMoney: S) {
  const address = z.object({
    name: optionalText(),
    company: optionalText(),
    line1: optionalText(),
    line2: optionalText(),
    city: optionalText(),
    postcode: optionalText(100),
    region: optionalText(),
    /**
     * ISO 3166-1 alpha-2 ("LV") as stores should send it; a name or variant a store writes out
     * ("India", "USA", "Deutschland") is mapped to its code, and one that cannot be is kept as
     * written and warned about (countries.ts): an address is never a reason to refuse an order.
     */
    country: z.string().max(200).transform((value) => countryCode(value) || null).nullish(),
  });

  const line = z.object({
    /**
     * What the line sells, when it is not goods or a service: a tip the customer added (revenue of
     * its own, outside the subtotal) or a gift card sold (money held for the customer, not revenue).
     */
    kind: z.enum(LINE_KINDS).optional(),
    sku: optionalText(255),
    name: text(1000),
    quantity,
    /** Negative for a line that takes money off (a discount or a negative fee). */
    unit_price: signedMoney,
    discount: money.optional(),
    tax_rate: taxRate.nullish(),
    tax: signedMoney.optional(),
    total: signedMoney,
  });

  const shipping = z.object({
    name: optionalText(),
    price: money,
    tax: money.optional(),
  });

  return z.object({
    external_id: z
      .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string: send store ids quoted, as they can exceed 2^53") })
      .trim()
      .min(1, "must not be empty")
      .max(255),
    number: optionalText(255),
    placed_at: timestamp,
    updated_at: timestamp.nullish(),
    cancelled_at: timestamp.nullish(),
    currency: currencyCode,
    financial_status: z.enum(FINANCIAL_STATUSES).default("pending"),
    customer: z
      .object({
        /** The store's own id for the customer: the surest way to find them again. */
        external_id: optionalText(255),
        name: optionalText(),
        email: optionalText(320),
        phone: optionalText(255),
        company: optionalText(),
        vat_number: optionalText(64),
      })
      .nullish(),
    billing_address: address.nullish(),
    shipping_address: address.nullish(),
    lines: z.array(line).max(LIMITS.lines),
    shipping: z.array(shipping).max(100).default([]),
    totals: z.object({
      subtotal: money,
      discount: money.optional(),
      shipping: money,
      tax: money,
      /** Tips the customer added: their lines' sum, not part of the subtotal. */
      tips: money.optional(),
      total: money,
    }),
    /**
     * Gift cards the customer paid with: payments by the gift card liability, never discounts.
     * The total is what the order is worth; the payment is what was paid besides the gift cards.
     */
    gift_cards: z.array(z.object({ code: optionalText(255), amount: money })).max(50).nullish(),
    /** Codes the customer entered, for the record; their amounts are already spread over the lines. */
    discount_codes: z.array(z.object({ code: text(255), amount: money.optional() })).max(50).nullish(),
    prices_include_tax: booleanFlag.default(false),
    payment: z
      .object({
        method: optionalText(255),
        transaction_id: optionalText(255),
        amount: money.nullish(),
        paid_at: timestamp.nullish(),
      })
      .nullish(),
    note: optionalText(65_535),
    test: booleanFlag.default(false),
    /**
     * The customer's currency when it differs from the store's: amounts above are in the store's
     * currency (what the books use); this keeps what the customer saw.
     */
    presentment: z.object({ currency: currencyCode, total: money }).nullish(),
  });
}

const decimalMoney = z
  .string({
    error: (issue) =>
      issue.input === undefined ? "is required" : 'must be a decimal string like "12.50" (JSON numbers lose cents to floating point)',
  })
  .regex(/^\d+(\.\d+)?$/, 'must be a decimal string like "12.50"')
  .meta({ description: "A decimal amount in the order's currency, with at most its minor digits", examples: ["12.50"] });

const signedDecimalMoney = z
  .string({
    error: (issue) =>
      issue.input === undefined ? "is required" : 'must be a decimal string like "12.50" or "-2.00" (JSON numbers lose cents to floating point)',
  })
  .regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string like "12.50" or "-2.00"');

/** The order as senders post it and as the API returns it. */
export const orderWireSchema = defineOrder(decimalMoney, signedDecimalMoney).meta({ id: "Order" });
/** The same order inside the inbox: money in integer minor units. */
export const orderSchema = defineOrder(z.number().int(), z.number().int());

export type OrderWire = z.output<typeof orderWireSchema>;
export type OrderInput = z.input<typeof orderWireSchema>;
export type Order = z.output<typeof orderSchema>;
export type FinancialStatus = (typeof FINANCIAL_STATUSES)[number];

export type DecodeResult = { ok: true; order: Order } | { ok: false; issues: FieldIssue[] };

/** Validates a wire order and converts its money to minor units, naming the field of every problem. */
export function decodeOrder(input: unknown): DecodeResult {
  const parsed = orderWireSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error) };
  const wire = parsed.data;
  const issues: FieldIssue[] = [];
  const minor = (amount: string, field: string, currency = wire.currency): number => {
    try {
      return toMinorWithin(amount, currency);
    } catch (error) {
      if (!(error instanceof MoneyFormatError)) throw error;
      issues.push({ field, message: error.message });
      return 0;
    }
  };
  const optionalMinor = (amount: string | undefined, field: string) =>
    amount === undefined ? undefined : minor(amount, field);

  const order: Order = {
    ...wire,
    lines: wire.lines.map((line, index) => ({
      ...line,
      unit_price: minor(line.unit_price, `lines.${index}.unit_price`),
      discount: optionalMinor(line.discount, `lines.${index}.discount`),
      tax: optionalMinor(line.tax, `lines.${index}.tax`),
      total: minor(line.total, `lines.${index}.total`),
    })),
    shipping: wire.shipping.map((entry, index) => ({
      ...entry,
      price: minor(entry.price, `shipping.${index}.price`),
      tax: optionalMinor(entry.tax, `shipping.${index}.tax`),
    })),
    totals: {
      subtotal: minor(wire.totals.subtotal, "totals.subtotal"),
      discount: optionalMinor(wire.totals.discount, "totals.discount"),
      shipping: minor(wire.totals.shipping, "totals.shipping"),
      tax: minor(wire.totals.tax, "totals.tax"),
      tips: optionalMinor(wire.totals.tips, "totals.tips"),
      total: minor(wire.totals.total, "totals.total"),
    },
    gift_cards: wire.gift_cards?.map((card, index) => ({ ...card, amount: minor(card.amount, `gift_cards.${index}.amount`) })),
    payment: wire.payment && {
      ...wire.payment,
      amount: wire.payment.amount == null ? wire.payment.amount : minor(wire.payment.amount, "payment.amount"),
    },
    presentment: wire.presentment && {
      currency: wire.presentment.currency,
      total: minor(wire.presentment.total, "presentment.total", wire.presentment.currency),
    },
    discount_codes: wire.discount_codes?.map((entry, index) => ({
      ...entry,
      amount: optionalMinor(entry.amount, `discount_codes.${index}.amount`),
    })),
  };
  if (!issues.length) issues.push(...sumIssues(order));
  return issues.length ? { ok: false, issues } : { ok: true, order };
}

/**
 * Every sum the inbox makes of an order (line totals, quantity × price, tax at a rate, the
 * totals cross-check) must stay exact in a double: refused at ingest with the line that tips it
 * over, never a processing step that fails on every attempt.
 */
function sumIssues(order: Order): FieldIssue[] {
  const limit = BigInt(Number.MAX_SAFE_INTEGER);
  const abs = (value: bigint) => (value < 0n ? -value : value);
  let total = 0n;
  const add = (minor: number | null | undefined) => {
    total += abs(BigInt(minor ?? 0));
  };
  for (const [index, line] of order.lines.entries()) {
    const gross = multiplyQuantity(line.quantity, line.unit_price).minor;
    if (!Number.isSafeInteger(gross) || Math.abs(gross) > LIMITS.amountMinor) {
      return [{ field: `lines.${index}.quantity`, message: `quantity × unit_price is beyond ${fromMinor(LIMITS.amountMinor, order.currency)}` }];
    }
    // Tax at the line's rate is at most rate/100 times the total: counted as 10× (LIMITS.taxRatePercent).
    for (const amount of [gross, line.discount, line.total, line.tax, line.tax_rate == null ? 0 : line.total * 10]) add(amount);
    if (total > limit) return [{ field: `lines.${index}`, message: "the order's amounts add up beyond what can be counted exactly" }];
  }
  for (const entry of order.shipping) [entry.price, entry.tax].forEach(add);
  const { totals } = order;
  [totals.subtotal, totals.discount, totals.shipping, totals.tax, totals.tips, totals.total, order.payment?.amount].forEach(add);
  for (const card of order.gift_cards ?? []) add(card.amount);
  // The totals check adds the totals again and takes differences: room for twice over.
  if (total * 2n > limit) return [{ field: "totals", message: "the order's amounts add up beyond what can be counted exactly" }];
  return [];
}

/** The inverse of decodeOrder, for the API: minor units back to decimal strings of the currency. */
export function encodeOrder(order: Order): OrderWire {
  const money = (minor: number) => fromMinor(minor, order.currency);
  const optionalMoney = (minor: number | undefined) => (minor === undefined ? undefined : money(minor));
  return {
    ...order,
    lines: order.lines.map((line) => ({
      ...line,
      unit_price: money(line.unit_price),
      discount: optionalMoney(line.discount),
      tax: optionalMoney(line.tax),
      total: money(line.total),
    })),
    shipping: order.shipping.map((entry) => ({ ...entry, price: money(entry.price), tax: optionalMoney(entry.tax) })),
    totals: {
      subtotal: money(order.totals.subtotal),
      discount: optionalMoney(order.totals.discount),
      shipping: money(order.totals.shipping),
      tax: money(order.totals.tax),
      tips: optionalMoney(order.totals.tips),
      total: money(order.totals.total),
    },
    gift_cards: order.gift_cards?.map((card) => ({ ...card, amount: money(card.amount) })),
    payment: order.payment && {
      ...order.payment,
      amount: order.payment.amount == null ? order.payment.amount : money(order.payment.amount),
    },
    presentment: order.presentment && {
      currency: order.presentment.currency,
      total: fromMinor(order.presentment.total, order.presentment.currency),
    },
    discount_codes: order.discount_codes?.map((entry) => ({ ...entry, amount: optionalMoney(entry.amount) })),
  };
}

/** When the source last changed the order; without updated_at, the time it was placed. */
export const sourceUpdatedAt = (order: Pick<Order, "placed_at" | "updated_at">): number =>
  Date.parse(order.updated_at ?? order.placed_at);
