/**
 * Money is an integer count of the currency's minor units. It crosses the API edges as a decimal
 * string ("12.50", "1200" for JPY, "1.250" for BHD) and is never held in a float.
 */

/** ISO 4217 currencies whose minor unit is not 2 decimals. */
const MINOR_DIGITS: Record<string, number> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0,
  UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0, XXX: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

/** Active ISO 4217 codes (funds and metals excluded: no store sells in them), and XXX. */
const CURRENCIES = new Set(
  (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP " +
    "BYN BZD CAD CDF CHF CLF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP " +
    "GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS " +
    "KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR " +
    "MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF " +
    "SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD " +
    "TZS UAH UGX USD UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG " +
    // "No currency": a refund that moved no money (restock only) may name none.
    "XXX"
  ).split(" "),
);

export const isCurrency = (code: string): boolean => CURRENCIES.has(code);

/** How many decimals the currency's minor unit has (JPY 0, EUR 2, BHD 3). */
export const minorDigits = (currency: string): number => MINOR_DIGITS[currency] ?? 2;

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * The magnitudes an order may carry, checked at ingest (order.ts, refund.ts) so that everything
 * the inbox later computes from them stays exact in a double (2^53): documented in docs/connect-api.md.
 */
export const LIMITS = {
  /** Any single amount, in minor units: 10^15 (ten trillion euros). */
  amountMinor: 10 ** 15,
  /** A line's quantity: at most 10^9 ... */
  quantity: 10 ** 9,
  /** ... with at most 6 decimals (0.000001 kg). */
  quantityDecimals: 6,
  /** A tax rate, in percent. */
  taxRatePercent: 1000,
  /** Lines of an order or a refund. */
  lines: 5000,
} as const;

export class MoneyFormatError extends Error {
  override name = "MoneyFormatError";
}

/**
 * "12.5" in EUR → 1250. Fewer decimals than the currency has are padded; more are an error,
 * because silently rounding money that a store sent would hide a mismatch.
 */
export function toMinor(amount: string, currency: string): number {
  const match = DECIMAL.exec(amount.trim());
  if (!match) throw new MoneyFormatError(`"${amount}" is not a decimal amount like "12.50"`);
  const [, sign, whole, fraction = ""] = match;
  const digits = minorDigits(currency);
  if (fraction.length > digits) {
    // Trailing zeros beyond the minor unit carry no value ("12.500" EUR is 12.50).
    if (/[^0]/.test(fraction.slice(digits))) {
      throw new MoneyFormatError(
        `"${amount}" has more decimals than ${currency} allows (${digits})`,
      );
    }
  }
  const minorText = whole + fraction.slice(0, digits).padEnd(digits, "0");
  const minor = Number(minorText);
  if (!Number.isSafeInteger(minor)) throw new MoneyFormatError(`"${amount}" is too large`);
  return sign && minor !== 0 ? -minor : minor;
}

/**
 * A store's amount rounded half away from zero to the currency's minor unit: for the few places a
 * store is known to send more decimals than its currency has (WooCommerce formats money to the
 * store's display decimals, and keeps raw per-rate taxes like "0.195"). The totals check then says
 * whether the rounded figures still add up.
 */
export function toMinorRounded(amount: string, currency: string): number {
  const digits = minorDigits(currency);
  const { units, scale } = toScaled(amount);
  const minor = scale <= digits ? units * 10n ** BigInt(digits - scale) : divideRounded(units, 10n ** BigInt(scale - digits));
  const value = Number(minor);
  if (!Number.isSafeInteger(value)) throw new MoneyFormatError(`"${amount}" is too large`);
  return value;
}

/** toMinor for an amount a store sent: within LIMITS.amountMinor too (checked at ingest). */
export function toMinorWithin(amount: string, currency: string): number {
  const minor = toMinor(amount, currency);
  if (Math.abs(minor) > LIMITS.amountMinor) {
    throw new MoneyFormatError(`"${amount}" is too large: amounts are at most ${fromMinor(LIMITS.amountMinor, currency)}`);
  }
  return minor;
}

/**
 * Why a quantity (a JSON number or a decimal string) is refused, or null when it is a plain
 * non-negative decimal within LIMITS: no exponent ("1e21", and 1e-7 as JSON writes it), no more
 * than 6 decimals, at most 10^9.
 */
export function quantityProblem(value: number | string): string | null {
  const text = typeof value === "number" ? String(value) : value;
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return "must be a non-negative decimal number like 2 or 0.25, without an exponent";
  if ((match[2] ?? "").length > LIMITS.quantityDecimals) return `must have at most ${LIMITS.quantityDecimals} decimals`;
  if (Number(text) > LIMITS.quantity) return `must be at most ${LIMITS.quantity}`;
  return null;
}

/** 1250 in EUR → "12.50"; 1200 in JPY → "1200"; 1250 in BHD → "1.250". */
export function fromMinor(minor: number, currency: string): string {
  if (!Number.isSafeInteger(minor)) throw new MoneyFormatError(`${minor} is not a whole minor amount`);
  const digits = minorDigits(currency);
  const sign = minor < 0 ? "-" : "";
  const text = String(Math.abs(minor)).padStart(digits + 1, "0");
  if (digits === 0) return sign + text;
  return `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/**
 * A non-negative decimal (quantity, tax rate) as an exact fraction: value = units / 10^scale.
 * Lets line arithmetic stay in integers even when a quantity is 0.25 kg.
 */
export function toScaled(value: string | number): { units: bigint; scale: number } {
  const text = typeof value === "number" ? numberToPlainString(value) : value.trim();
  const match = DECIMAL.exec(text);
  if (!match) throw new MoneyFormatError(`"${value}" is not a decimal number`);
  const [, sign, whole, fraction = ""] = match;
  const units = BigInt(whole + fraction) * (sign ? -1n : 1n);
  return { units, scale: fraction.length };
}

function numberToPlainString(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  // Avoid exponent notation for small quantities such as 1e-7.
  const text = String(value);
  return /e/i.test(text) ? value.toFixed(20).replace(/0+$/, "").replace(/\.$/, "") : text;
}

/**
 * numerator / denominator rounded half away from zero, in bigints. Used for quantity × price and
 * for tax from a rate, where a store rounds each line to its minor unit.
 */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const quotient = (n * 2n + d) / (d * 2n);
  return negative ? -quotient : quotient;
}

/** quantity × unit price in minor units, rounded to the minor unit; `exact` is false when rounding happened. */
export function multiplyQuantity(quantity: number | string, unitMinor: number): { minor: number; exact: boolean } {
  const { units, scale } = toScaled(quantity);
  const product = units * BigInt(unitMinor);
  const divisor = 10n ** BigInt(scale);
  return { minor: Number(divideRounded(product, divisor)), exact: product % divisor === 0n };
}

/** The exact text of a scaled decimal, without trailing zeros: 2150n at scale 2 → "21.5". */
function scaledToText(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
  const whole = scale ? digits.slice(0, -scale) : digits;
  const fraction = scale ? digits.slice(-scale).replace(/0+$/, "") : "";
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/**
 * Adds decimal strings exactly and moves the point `shift` places right (2 turns the fraction
 * "0.19" into the percentage "19"): tax rates must never pass through a float (0.07 × 100 is
 * 7.000000000000001 there).
 */
export function addDecimals(values: string[], shift = 0): string {
  const scale = Math.max(0, ...values.map((value) => toScaled(value).scale));
  const units = values.reduce((sum, value) => {
    const scaled = toScaled(value);
    return sum + scaled.units * 10n ** BigInt(scale - scaled.scale);
  }, 0n);
  return shift <= scale ? scaledToText(units, scale - shift) : scaledToText(units * 10n ** BigInt(shift - scale), 0);
}

/** Splits `amount` over `weights` in whole minor units: floors first, leftover units to the largest. */
export function spread(amount: number, weights: number[]): number[] {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  if (amount === 0 || total === 0) return weights.map(() => 0);
  const shares = weights.map((weight) => Math.floor((amount * weight) / total));
  let leftover = amount - shares.reduce((sum, share) => sum + share, 0);
  const byWeight = weights.map((weight, index) => ({ weight, index })).sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (let i = 0; leftover > 0; i = (i + 1) % byWeight.length, leftover--) shares[byWeight[i].index] += 1;
  return shares;
}
