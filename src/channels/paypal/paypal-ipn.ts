/**
 * PayPal IPN: reading the form-encoded message and turning a verified one into arrivals.
 *
 * The body is pure ASCII; the bytes behind its percent escapes are in the charset the message
 * names (`charset`, windows-1252 when absent, as PayPal's simulator sends). So values are
 * percent-decoded to bytes first and decoded with that charset second. The raw body itself is
 * never re-encoded: verification posts it back to PayPal untouched.
 */
import { addDecimals, fromMinor, MoneyFormatError, spread, toMinor } from "../../orders/money";
import type { Rejection } from "../types";
import type { PayPalCart, PayPalItem } from "./paypal-cart";

export const IPN_MEDIA_TYPE = "application/x-www-form-urlencoded";

export type IpnFields = Record<string, string>;

// windows-1252 differs from ISO-8859-1 only in 0x80–0x9F; undefined bytes map to the C1 control.
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f, 0x90, 0x2018, 0x2019,
  0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

type ValueDecoder = (escaped: string) => string;

const BROKEN_ESCAPE = /%(?![0-9a-fA-F]{2})/;

/** Percent-escaped text to its bytes ("+" is a space); only called on text without broken escapes. */
function percentBytes(text: string): Uint8Array {
  const out: number[] = [];
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (char === 0x2b) out.push(0x20);
    else if (char === 0x25) {
      out.push(parseInt(text.slice(index + 1, index + 3), 16));
      index += 2;
    } else out.push(char);
  }
  return Uint8Array.from(out);
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * UTF-7 (RFC 2152), which PayPal offers and no platform decoder reads: ASCII stands for itself, "+"
 * opens modified base64 of UTF-16 code units up to the first byte outside the alphabet ("-" is
 * swallowed), "+-" is a plus. Throws on bytes above ASCII and on bits left over, as a fatal decoder would.
 */
export function decodeUtf7(bytes: Uint8Array): string {
  let out = "";
  for (let index = 0; index < bytes.length; ) {
    const byte = bytes[index];
    if (byte >= 0x80) throw new TypeError("UTF-7 is 7-bit");
    if (byte !== 0x2b) {
      out += String.fromCharCode(byte);
      index++;
      continue;
    }
    index++;
    if (bytes[index] === 0x2d) {
      out += "+";
      index++;
      continue;
    }
    let bits = 0;
    let count = 0;
    for (; index < bytes.length; index++) {
      const value = BASE64.indexOf(String.fromCharCode(bytes[index]));
      if (value < 0) break;
      bits = ((bits << 6) | value) & 0xffffff;
      count += 6;
      if (count >= 16) {
        count -= 16;
        out += String.fromCharCode((bits >> count) & 0xffff);
      }
    }
    // What is left must be padding zeros, fewer than six bits.
    if (count >= 6 || (bits & ((1 << count) - 1)) !== 0) throw new TypeError("UTF-7 base64 run ends mid-character");
    if (bytes[index] === 0x2d) index++;
  }
  // Surrogate pairs come through as two code units: a lone one is not text.
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(out)) throw new TypeError("UTF-7 holds a lone surrogate");
  return out;
}

/** How the values of an IPN in `charset` are decoded; null for a charset the inbox cannot read. */
function decoderFor(charset: string): ValueDecoder | null {
  const label = charset.trim().toLowerCase().replace(/_/g, "-");
  if (label === "windows-1252" || label === "cp1252" || label === "iso-8859-1" || label === "latin1" || label === "us-ascii") {
    // WHATWG treats ISO-8859-1 as windows-1252 too; PayPal's own list pairs them.
    return (escaped) =>
      escaped.replace(/\+/g, " ").replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => {
        const byte = parseInt(hex, 16);
        return String.fromCharCode(byte >= 0x80 && byte <= 0x9f ? CP1252_HIGH[byte - 0x80] : byte);
      });
  }
  if (label === "utf-8" || label === "utf8") {
    // decodeURIComponent reads percent-encoded UTF-8 and throws on anything that is not.
    return (escaped) => decodeURIComponent(escaped.replace(/\+/g, " "));
  }
  if (label === "utf-7") return (escaped) => decodeUtf7(percentBytes(escaped));
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label, { fatal: true, ignoreBOM: false });
  } catch {
    return null;
  }
  return (escaped) => decoder.decode(percentBytes(escaped));
}

export type DecodedIpn =
  | { ok: true; fields: IpnFields }
  /**
   * `names` is set when the body is a well-formed form whose values could not be read in its
   * charset: PayPal may well have sent it (it offers charsets no decoder here reads), so it is kept
   * as received and answered 200 rather than refused for PayPal to resend forever.
   */
  | { ok: false; rejection: Rejection; names?: Set<string> };

const asciiText = new TextDecoder();

export function decodeIpn(body: Uint8Array): DecodedIpn {
  const malformed = (message: string): DecodedIpn => ({ ok: false, rejection: { code: "malformed_body", message } });
  for (let index = 0; index < body.length; index++) {
    if (body[index] >= 0x80) return { ok: false, rejection: { code: "invalid_encoding", message: "An IPN body is ASCII: every other byte is percent-encoded" } };
  }
  const pairs: Array<[string, string]> = [];
  for (const part of asciiText.decode(body).split("&")) {
    if (part === "") continue;
    if (BROKEN_ESCAPE.test(part)) return malformed(`"${part.slice(0, 60)}" has a broken percent escape`);
    const equals = part.indexOf("=");
    pairs.push(equals < 0 ? [part, ""] : [part.slice(0, equals), part.slice(equals + 1)]);
  }
  if (pairs.length === 0) return malformed("The IPN body is empty");
  // Names are plain ASCII; the charset's own value is too.
  const named = (escaped: string) => escaped.replace(/\+/g, " ").replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  const names = new Set(pairs.map(([name]) => named(name)));
  const charset = pairs.find(([name]) => name === "charset");
  const charsetName = charset ? named(charset[1]) : "windows-1252";
  const decode = decoderFor(charsetName);
  const unreadable = (message: string): DecodedIpn => ({
    ok: false,
    rejection: { code: "invalid_encoding", message: `${message}; it is kept exactly as received for a person to read (set the PayPal account's language encoding to UTF-8 for the next ones)` },
    names,
  });
  if (!decode) return unreadable(`The IPN names charset "${charsetName}", which the inbox cannot read`);
  const fields: IpnFields = {};
  try {
    for (const [name, value] of pairs) fields[named(name)] = decode(value);
  } catch {
    return unreadable(`A value is not valid ${charsetName}`);
  }
  return { ok: true, fields };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * `payment_date` is US Pacific time written as "09:14:03 Mar 04, 2025 PST" (or PDT). Anything else
 * (the simulator sends other shapes) is tried as a JavaScript date; null when neither reads.
 */
export function parsePaymentDate(value: string | undefined): string | null {
  if (!value) return null;
  const match = /^(\d{1,2}):(\d{2}):(\d{2}) ([A-Z][a-z]{2})\.? (\d{1,2}), (\d{4}) (PST|PDT)$/.exec(value.trim());
  if (match) {
    const month = MONTHS.indexOf(match[4]);
    if (month >= 0) {
      const offsetHours = match[7] === "PDT" ? 7 : 8;
      const at = Date.UTC(Number(match[6]), month, Number(match[5]), Number(match[1]) + offsetHours, Number(match[2]), Number(match[3]));
      return new Date(at).toISOString().replace(".000Z", "Z");
    }
  }
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? null : new Date(parsed).toISOString().replace(".000Z", "Z");
}

const field = (fields: IpnFields, name: string): string | null => {
  const value = fields[name];
  return value === undefined || value.trim() === "" ? null : value.trim();
};

function optionsOf(fields: IpnFields, suffix: string): string {
  const options: string[] = [];
  for (const n of [1, 2, 3, 4, 5, 6, 7]) {
    const name = field(fields, `option_name${n}${suffix}`);
    const selection = field(fields, `option_selection${n}${suffix}`);
    if (selection) options.push(name ? `${name}: ${selection}` : selection);
  }
  return options.length ? ` (${options.join(", ")})` : "";
}

function quantityOf(value: string | null): number {
  const parsed = value === null ? 1 : Number(value);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : 1;
}

/** An item's own share of shipping, handling and tax, as cart IPNs may list them (`mc_shipping1` or `mc_shipping_1`). */
interface ItemCharges {
  shipping: string | null;
  handling: string | null;
  tax: string | null;
}

const numbered = (fields: IpnFields, name: string, n: number) => field(fields, `${name}${n}`) ?? field(fields, `${name}_${n}`);

function ipnItems(fields: IpnFields): Array<PayPalItem & { charges: ItemCharges }> {
  const count = Number(field(fields, "num_cart_items") ?? 0);
  const items: Array<PayPalItem & { charges: ItemCharges }> = [];
  // Cart messages number their items from 1; num_cart_items is missing on some, so read until a gap.
  for (let n = 1; n <= Math.max(count, 1) || field(fields, `item_name${n}`) !== null; n++) {
    const name = field(fields, `item_name${n}`);
    const amount = field(fields, `mc_gross_${n}`) ?? field(fields, `mc_gross${n}`);
    if (name === null && amount === null) break;
    items.push({
      name: name && `${name}${optionsOf(fields, `_${n}`)}`,
      sku: field(fields, `item_number${n}`),
      quantity: quantityOf(field(fields, `quantity${n}`)),
      unitPrice: null,
      amount,
      tax: numbered(fields, "tax", n),
      charges: { shipping: numbered(fields, "mc_shipping", n), handling: numbered(fields, "mc_handling", n), tax: numbered(fields, "tax", n) },
    });
  }
  if (items.length === 0 && field(fields, "item_name") !== null) {
    // A single-item payment (express_checkout, web_accept): the line is what remains of the total.
    items.push({
      name: `${field(fields, "item_name")}${optionsOf(fields, "")}`,
      sku: field(fields, "item_number"),
      quantity: quantityOf(field(fields, "quantity")),
      unitPrice: null,
      amount: null,
      tax: null,
      charges: { shipping: null, handling: null, tax: null },
    });
  }
  return items;
}

/**
 * What each cart line's goods cost. PayPal documents that the `mc_gross_x` add up to `mc_gross`,
 * so an item's amount may hold its share of shipping, handling and tax (`mc_shipping_x`,
 * `mc_handling_x`, `tax_x`); carts are also seen where `mc_gross_x` is quantity × price and the
 * cart-level charges come on top. Which shape a message has is read from its own sums:
 * - Σ mc_gross_x + shipping + handling + tax − discount = mc_gross: the amounts are the goods;
 * - Σ mc_gross_x = mc_gross: the charges are inside; each item's own charges come off it, and
 *   charges no item names come off the lines by value, so the goods add up to mc_gross less the
 *   cart-level charges and nothing is counted twice;
 * - neither: the amounts are left as sent, and the order's totals check holds it for a person.
 */
function reconcileCartLines(cart: PayPalCart, items: Array<PayPalItem & { charges: ItemCharges }>): PayPalItem[] {
  const plain = items.map(({ charges: _, ...item }) => item);
  if (items.length === 0 || items.some((item) => item.amount === null)) return plain;
  try {
    const minor = (value: string | null) => (value ? Math.abs(toMinor(value, cart.currency)) : 0);
    const amounts = items.map((item) => minor(item.amount));
    const sum = amounts.reduce((total, value) => total + value, 0);
    const charges = minor(cart.shipping) - minor(cart.shippingDiscount) + minor(cart.handling) + minor(cart.insurance) + minor(cart.tax);
    const total = minor(cart.total);
    const goods = total - charges + minor(cart.discount);
    if (sum === goods || sum !== total || charges === 0) return plain;
    const own = items.map((item) => minor(item.charges.shipping) + minor(item.charges.handling) + minor(item.charges.tax));
    const net = amounts.map((amount, index) => amount - own[index]);
    const rest = net.reduce((sum, value) => sum + value, 0) - goods;
    const shares = rest >= 0 ? spread(rest, net).map((share) => -share) : spread(-rest, net);
    const lines = net.map((value, index) => value + shares[index]);
    // A line stays quantity × a whole unit price: what a share leaves over goes to a line of one.
    let leftOver = 0;
    items.forEach((item, index) => {
      const remainder = Number.isInteger(item.quantity) && item.quantity > 1 ? lines[index] % item.quantity : 0;
      lines[index] -= remainder;
      leftOver += remainder;
    });
    const single = items.findIndex((item) => item.quantity === 1);
    if (leftOver && single < 0) return plain;
    if (leftOver) lines[single] += leftOver;
    if (lines.some((value) => value < 0)) return plain;
    return plain.map((item, index) => ({ ...item, amount: fromMinor(lines[index], cart.currency) }));
  } catch (error) {
    if (error instanceof MoneyFormatError) return plain;
    throw error;
  }
}

/** The cart a completed cart-payment IPN describes; `placedAt` falls back to when it arrived. */
export function ipnCart(fields: IpnFields, receivedAt: string): PayPalCart {
  const street = field(fields, "address_street")?.split(/\r?\n/) ?? [];
  const name = [field(fields, "first_name"), field(fields, "last_name")].filter(Boolean).join(" ");
  const items = ipnItems(fields);
  const placedAt = parsePaymentDate(fields.payment_date) ?? receivedAt;
  const cart: PayPalCart = {
    transactionId: fields.txn_id.trim(),
    number: field(fields, "invoice"),
    placedAt,
    currency: field(fields, "mc_currency") ?? "",
    items: [],
    discount: field(fields, "discount"),
    shipping: field(fields, "mc_shipping") ?? field(fields, "shipping"),
    shippingDiscount: field(fields, "shipping_discount"),
    handling: field(fields, "mc_handling") ?? field(fields, "handling_amount"),
    insurance: field(fields, "insurance_amount"),
    shippingMethod: field(fields, "shipping_method"),
    tax: field(fields, "tax"),
    taxInclusive: false,
    total: field(fields, "mc_gross") ?? "0",
    customer: {
      name: name || null,
      email: field(fields, "payer_email"),
      phone: field(fields, "contact_phone"),
      company: field(fields, "payer_business_name"),
    },
    shippingAddress: {
      name: field(fields, "address_name"),
      line1: street[0]?.trim() || null,
      line2: street.slice(1).join(", ").trim() || null,
      city: field(fields, "address_city"),
      postcode: field(fields, "address_zip"),
      region: field(fields, "address_state"),
      country: field(fields, "address_country_code"),
    },
    note: field(fields, "memo"),
    test: fields.test_ipn === "1",
  };
  cart.items = reconcileCartLines(cart, items);
  if (items.length === 1 && items[0].amount === null) {
    // What the single item cost: the total less the charges PayPal lists beside it.
    cart.items = [{ ...cart.items[0], amount: singleItemAmount(cart) }];
  }
  return cart;
}

function singleItemAmount(cart: PayPalCart): string {
  const negate = (value: string | null) => (value ? `-${value.replace(/^-/, "")}` : "0");
  return addDecimals([cart.total, negate(cart.tax), negate(cart.shipping), negate(cart.handling), negate(cart.insurance), cart.discount ?? "0", cart.shippingDiscount ?? "0"]);
}
