/**
 * What the three PayPal paths (IPN, REST webhook, transaction feed) have in common: a paid cart
 * with items, cart-level charges and a total. Each path reads its own format into a PayPalCart;
 * this module turns a cart into the inbox's order the same way for all of them, so an order looks
 * alike whichever path brought it first.
 *
 * PayPal reports discount and tax per cart (sometimes per item): a cart discount is spread over
 * the lines by value, and cart tax over the lines unless the items carry tax that adds up to it.
 * A payment without items (the shop sent only a total) gets one line for the amount, named so.
 */
import { fromMinor, multiplyQuantity, spread, toMinor } from "../../orders/money";
import type { OrderInput } from "../../orders/order";

export interface PayPalItem {
  name: string | null;
  sku: string | null;
  quantity: number;
  /** Price per unit, when the source gives it. */
  unitPrice: string | null;
  /** quantity × unit price, before cart-level discount; computed from the unit price when absent. */
  amount: string | null;
  /** Tax for the whole line, when the source gives it. */
  tax: string | null;
}

export interface PayPalCart {
  transactionId: string;
  number: string | null;
  placedAt: string;
  currency: string;
  items: PayPalItem[];
  discount: string | null;
  shipping: string | null;
  shippingDiscount: string | null;
  handling: string | null;
  insurance: string | null;
  shippingMethod: string | null;
  tax: string | null;
  taxInclusive: boolean;
  total: string;
  customer: { name: string | null; email: string | null; phone: string | null; company: string | null } | null;
  shippingAddress: {
    name: string | null;
    line1: string | null;
    line2: string | null;
    city: string | null;
    postcode: string | null;
    region: string | null;
    country: string | null;
  } | null;
  note: string | null;
  test: boolean;
  /** A payment refunded (in part) by the time it was read is still a paid order; "paid" when absent. */
  financialStatus?: "paid" | "partially_refunded" | "refunded";
}

export const NO_ITEMS_LINE = "PayPal payment (PayPal sent no item details)";

const given = (value: string | null | undefined): string | null => (value && value.trim() !== "" ? value.trim() : null);

export function paypalCartOrder(cart: PayPalCart): OrderInput {
  const { currency } = cart;
  const minor = (amount: string | null) => (amount && amount.trim() !== "" ? Math.abs(toMinor(amount.trim(), currency)) : 0);
  const money = (value: number) => fromMinor(value, currency);

  const shipping = [
    { name: given(cart.shippingMethod) ?? "Shipping", price: minor(cart.shipping) - minor(cart.shippingDiscount) },
    { name: "Handling", price: minor(cart.handling) },
    { name: "Insurance", price: minor(cart.insurance) },
  ].filter((entry) => entry.price > 0);
  const shippingTotal = shipping.reduce((sum, entry) => sum + entry.price, 0);
  const tax = minor(cart.tax);
  const discount = minor(cart.discount);
  const total = minor(cart.total);

  let items = cart.items.map((item) => {
    const unit = item.unitPrice ? minor(item.unitPrice) : null;
    const gross = item.amount ? minor(item.amount) : unit !== null ? multiplyQuantity(item.quantity, unit).minor : 0;
    return { ...item, gross, unit: unit ?? (item.quantity > 0 ? Math.round(gross / item.quantity) : gross) };
  });
  if (items.length === 0 && total > 0) {
    const gross = total - shippingTotal - (cart.taxInclusive ? 0 : tax) + discount;
    items = [{ name: NO_ITEMS_LINE, sku: null, quantity: 1, unitPrice: null, amount: null, tax: null, gross, unit: gross }];
  }

  const discounts = spread(discount, items.map((item) => item.gross));
  const itemTaxes = items.map((item) => (item.tax === null ? null : minor(item.tax)));
  const itemTaxesAddUp = itemTaxes.every((value) => value !== null) && itemTaxes.reduce<number>((sum, value) => sum + value!, 0) === tax;
  const taxes = itemTaxesAddUp ? (itemTaxes as number[]) : spread(tax, items.map((item, index) => item.gross - discounts[index]));

  const lines = items.map((item, index) => ({
    sku: given(item.sku),
    name: given(item.name) ?? `Item ${index + 1}`,
    quantity: item.quantity,
    unit_price: money(item.unit),
    ...(discounts[index] ? { discount: money(discounts[index]) } : {}),
    tax: money(taxes[index] ?? 0),
    total: money(item.gross - discounts[index]),
  }));
  const subtotal = items.reduce((sum, item, index) => sum + item.gross - discounts[index], 0);

  const address = cart.shippingAddress;
  return {
    external_id: cart.transactionId,
    number: given(cart.number),
    placed_at: cart.placedAt,
    currency,
    financial_status: cart.financialStatus ?? "paid",
    customer: cart.customer,
    billing_address: null,
    shipping_address: address && Object.values(address).some((value) => value) ? address : null,
    lines,
    shipping: shipping.map((entry) => ({ name: entry.name, price: money(entry.price) })),
    totals: {
      subtotal: money(subtotal),
      ...(discount ? { discount: money(discount) } : {}),
      shipping: money(shippingTotal),
      tax: money(tax),
      total: money(total),
    },
    prices_include_tax: cart.taxInclusive,
    payment: { method: "PayPal", transaction_id: cart.transactionId, amount: money(total), paid_at: cart.placedAt },
    note: given(cart.note),
    test: cart.test,
  };
}
