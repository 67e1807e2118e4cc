/**
 * Shopify's Refund resource (refunds/create) → the inbox's refund (wire form). Pure.
 * Money that went back is the sum of the successful refund transactions; a refund can move money
 * without lines (goodwill) or restock lines without money. Line amounts arrive as strings or, in
 * Shopify's own fixtures, as JSON numbers: both are read as their exact text.
 */
import { fromMinor, toMinor } from "../../orders/money";
import type { RefundWire } from "../../orders/refund";
import type { ShopifyRefund } from "./shopify-payload";

const FAILED = new Set(["failure", "error"]);

export function mapShopifyRefund(refund: ShopifyRefund): RefundWire {
  const lineItems = refund.refund_line_items ?? [];
  const transactions = (refund.transactions ?? []).filter((transaction) => transaction.kind === "refund" && !FAILED.has(transaction.status ?? ""));
  const currency = (
    transactions.find((transaction) => transaction.currency)?.currency ??
    lineItems.find((line) => line.subtotal_set?.shop_money?.currency_code)?.subtotal_set?.shop_money?.currency_code ??
    "XXX"
  ).toUpperCase();
  const minor = (amount: string | null | undefined) => (amount ? toMinor(amount, currency) : 0);
  const money = (value: number) => fromMinor(value, currency);

  return {
    external_id: refund.id,
    order_external_id: refund.order_id,
    created_at: refund.created_at,
    currency,
    note: refund.note && refund.note.trim() !== "" ? refund.note : null,
    amount: money(transactions.reduce((total, transaction) => total + minor(transaction.amount), 0)),
    lines: lineItems.map((line) => ({
      line_external_id: line.line_item_id ?? null,
      sku: line.line_item?.sku || null,
      quantity: line.quantity,
      subtotal: money(minor(line.subtotal ?? line.subtotal_set?.shop_money?.amount)),
      tax: money(minor(line.total_tax ?? line.total_tax_set?.shop_money?.amount)),
    })),
    shipping: money(
      (refund.refund_shipping_lines ?? []).reduce(
        (total, line) => total + minor(line.amount ?? line.subtotal_amount_set?.shop_money?.amount),
        0,
      ),
    ),
  };
}
