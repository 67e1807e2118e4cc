/**
 * Shopify's Order resource → the inbox's order (wire form, decimal strings). Pure.
 *
 * Amounts are the shop's money (what the books use); the customer's presentment currency is kept
 * alongside when it differs. A line's discount is the sum of its `discount_allocations`: real
 * stores leave `total_discount` at "0.00" even when a code was applied.
 */
import { addDecimals, fromMinor, multiplyQuantity, toMinor } from "../../orders/money";
import type { FinancialStatus, LineKind, OrderInput } from "../../orders/order";
import type { ShopifyOrder } from "./shopify-payload";

const FINANCIAL_STATUS: Record<string, FinancialStatus> = {
  pending: "pending",
  authorized: "pending",
  partially_paid: "partially_paid",
  paid: "paid",
  partially_refunded: "partially_refunded",
  refunded: "refunded",
  voided: "voided",
  expired: "voided",
};
const MONEY_RECEIVED = new Set<FinancialStatus>(["paid", "partially_paid", "partially_refunded", "refunded"]);

/** "" and whitespace mean "not given" in Shopify payloads. */
const given = (value: string | null | undefined) => (value && value.trim() !== "" ? value : null);
const joinName = (first?: string | null, last?: string | null) => given([first, last].filter(Boolean).join(" ").trim());

/** 0.19 + 0.02 → "21": rates are fractions in Shopify and percentages in the inbox. */
export function percentFromFractions(rates: string[]): string | null {
  return rates.length ? addDecimals(rates, 2) : null;
}

export function mapShopifyOrder(order: ShopifyOrder, options: { test?: boolean } = {}): OrderInput {
  const currency = order.currency.toUpperCase();
  const minor = (amount: string) => toMinor(amount, currency);
  const money = (value: number) => fromMinor(value, currency);
  const sum = (amounts: Array<{ amount?: string; price?: string }> | null | undefined, field: "amount" | "price") =>
    (amounts ?? []).reduce((total, entry) => total + minor(entry[field] ?? "0"), 0);

  const tips = tipLines(order);
  const lines = order.line_items.map((line, index) => {
    const discount = sum(line.discount_allocations, "amount");
    const gross = multiplyQuantity(line.quantity, minor(line.price)).minor;
    const kind: LineKind | undefined = tips.has(index) ? "tip" : line.gift_card ? "gift_card" : undefined;
    return {
      ...(kind ? { kind } : {}),
      sku: given(line.sku),
      name: given(line.name) ?? given(line.title) ?? "(no name)",
      quantity: line.quantity,
      unit_price: line.price,
      discount: money(discount),
      tax_rate: percentFromFractions((line.tax_lines ?? []).flatMap((tax) => (tax.rate ? [tax.rate] : []))),
      tax: money(sum(line.tax_lines, "price")),
      total: money(gross - discount),
    };
  });

  const shippingLines = order.shipping_lines ?? [];
  const shippingDiscounts = shippingLines.reduce((total, line) => total + sum(line.discount_allocations, "amount"), 0);
  const shipping = shippingLines.map((line) => ({
    name: given(line.title),
    price: money(minor(line.price) - sum(line.discount_allocations, "amount")),
    tax: money(sum(line.tax_lines, "price")),
  }));
  const shippingBeforeDiscounts = order.total_shipping_price_set?.shop_money?.amount;
  const shippingTotal =
    shippingBeforeDiscounts !== undefined
      ? minor(shippingBeforeDiscounts) - shippingDiscounts
      : shippingLines.reduce((total, line) => total + minor(line.price), 0) - shippingDiscounts;

  const financialStatus = FINANCIAL_STATUS[order.financial_status ?? "pending"] ?? "pending";
  const placedAt = order.processed_at ?? order.created_at;
  const billing = order.billing_address;
  const email = given(order.email) ?? given(order.customer?.email) ?? given(order.contact_email);
  const customerName = joinName(order.customer?.first_name, order.customer?.last_name) ?? given(billing?.name) ?? joinName(billing?.first_name, billing?.last_name);
  const hasCustomer = Boolean(order.customer || email);
  const presentmentTotal = order.total_price_set?.presentment_money?.amount;
  const presentmentCurrency = order.presentment_currency?.toUpperCase();

  const received = MONEY_RECEIVED.has(financialStatus) ? minor(order.total_price) - minor(order.total_outstanding ?? "0") : null;
  const gateways = order.payment_gateway_names ?? [];
  // Shopify's order names its gateways but not what each took: all gift card is a gift card
  // payment; a gift card beside another gateway is one payment the bookkeeper splits (docs/channels/shopify.md).
  const allGiftCard = gateways.length > 0 && gateways.every((gateway) => gateway === GIFT_CARD_GATEWAY);
  const giftCardPayment = received && allGiftCard ? { gift_cards: [{ code: null, amount: money(received) }] } : {};
  const payment =
    received === null || allGiftCard
      ? null
      : { method: gateways.join(", ") || null, transaction_id: null, amount: money(received), paid_at: placedAt };

  return {
    external_id: order.id,
    number: given(order.name),
    placed_at: placedAt,
    updated_at: order.updated_at ?? placedAt,
    cancelled_at: order.cancelled_at ?? null,
    currency,
    financial_status: financialStatus,
    customer: hasCustomer
      ? {
          // The shop's customer id: how documents find the same customer again (guest checkouts have none).
          ...(given(order.customer?.id) ? { external_id: order.customer!.id! } : {}),
          name: customerName,
          email,
          phone: given(order.phone) ?? given(order.customer?.phone) ?? given(billing?.phone),
          company: given(billing?.company),
          vat_number: null,
        }
      : null,
    billing_address: mapAddress(order.billing_address),
    shipping_address: mapAddress(order.shipping_address),
    lines,
    shipping,
    totals: {
      subtotal: order.subtotal_price,
      discount: order.total_discounts ?? "0",
      shipping: money(shippingTotal),
      tax: order.total_tax ?? "0",
      ...(tips.size ? { tips: money([...tips].reduce((total, index) => total + multiplyQuantity(order.line_items[index].quantity, minor(order.line_items[index].price)).minor, 0)) } : {}),
      total: order.total_price,
    },
    ...giftCardPayment,
    ...(order.discount_codes?.length
      ? { discount_codes: order.discount_codes.map((entry) => ({ code: entry.code, amount: entry.amount ?? undefined })) }
      : {}),
    prices_include_tax: order.taxes_included ?? false,
    payment,
    note: given(order.note),
    test: Boolean(order.test || options.test),
    ...(presentmentCurrency && presentmentCurrency !== currency && presentmentTotal
      ? { presentment: { currency: presentmentCurrency, total: presentmentTotal } }
      : {}),
  };
}

/** The gateway name Shopify gives a payment by gift card. */
const GIFT_CARD_GATEWAY = "gift_card";

/**
 * The indexes of the order's tip lines. Shopify adds a tip as a line with no product, nothing to
 * ship and no SKU, and counts it in `total_tip_received`, outside `subtotal_price`. Its title is
 * the checkout's language ("Tip", "Trinkgeld"), so it is found by its shape and its amount: lines
 * of that shape whose prices add up to the tips received.
 */
export function tipLines(order: ShopifyOrder): Set<number> {
  const currency = order.currency.toUpperCase();
  const tipped = order.total_tip_received ? toMinor(order.total_tip_received, currency) : 0;
  if (tipped <= 0) return new Set();
  const shaped = order.line_items.flatMap((line, index) =>
    line.product_id == null && !given(line.sku) && line.requires_shipping === false && !line.gift_card
      ? [{ index, amount: multiplyQuantity(line.quantity, toMinor(line.price, currency)).minor }]
      : [],
  );
  const named = shaped.filter(({ index }) => /^tip$/i.test(order.line_items[index].name?.trim() ?? order.line_items[index].title?.trim() ?? ""));
  for (const candidates of [named, shaped]) {
    if (candidates.length && candidates.reduce((total, line) => total + line.amount, 0) === tipped) return new Set(candidates.map(({ index }) => index));
  }
  return new Set();
}

function mapAddress(address: ShopifyOrder["billing_address"]): OrderInput["billing_address"] {
  if (!address) return null;
  return {
    name: given(address.name) ?? joinName(address.first_name, address.last_name),
    company: given(address.company),
    line1: given(address.address1),
    line2: given(address.address2),
    city: given(address.city),
    postcode: given(address.zip),
    region: given(address.province_code) ?? given(address.province),
    country: given(address.country_code),
  };
}
