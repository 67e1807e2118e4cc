import { describe, expect, it } from "vitest";
import { addDecimals, fromMinor, minorDigits, MoneyFormatError, multiplyQuantity, toMinor } from "../../src/orders/money";

describe("decimal strings to minor units and back", () => {
  it.each([
    ["12.50", "EUR", 1250, "12.50"],
    ["12.5", "EUR", 1250, "12.50"],
    ["12", "EUR", 1200, "12.00"],
    ["0.01", "EUR", 1, "0.01"],
    ["12.500", "EUR", 1250, "12.50"],
    ["1200", "JPY", 1200, "1200"],
    ["1200.0", "JPY", 1200, "1200"],
    ["1.250", "BHD", 1250, "1.250"],
    ["0.005", "KWD", 5, "0.005"],
    ["-3.10", "EUR", -310, "-3.10"],
    ["90071992547409.91", "EUR", 9007199254740991, "90071992547409.91"],
  ])("%s %s is %i minor units, written back as %s", (text, currency, minor, written) => {
    expect(toMinor(text, currency)).toBe(minor);
    expect(fromMinor(minor, currency)).toBe(written);
  });

  it.each([
    ["12.345", "EUR", /more decimals than EUR allows \(2\)/],
    ["1200.5", "JPY", /more decimals than JPY allows \(0\)/],
    ["1.2345", "BHD", /more decimals than BHD allows \(3\)/],
    ["12,50", "EUR", /not a decimal amount/],
    ["1e3", "EUR", /not a decimal amount/],
    ["", "EUR", /not a decimal amount/],
    ["90071992547409.92", "EUR", /too large/],
  ])("refuses %s in %s", (text, currency, message) => {
    expect(() => toMinor(text, currency)).toThrow(MoneyFormatError);
    expect(() => toMinor(text, currency)).toThrow(message);
  });

  it("knows the ISO 4217 minor digits that are not 2", () => {
    expect([minorDigits("JPY"), minorDigits("KRW"), minorDigits("EUR"), minorDigits("BHD"), minorDigits("CLF")]).toEqual([0, 0, 2, 3, 4]);
  });
});

describe("quantity × unit price, in integers", () => {
  it.each([
    [2, 1250, 2500, true],
    [0.25, 1999, 500, false], // 499.75 rounds half away from zero
    ["1.5", 2345, 3518, false], // 3517.5
    [3, 333, 999, true],
    [0.1, 30, 3, true],
    [1e-7, 100, 0, false],
  ])("%s × %i = %i (exact: %s)", (quantity, unit, minor, exact) => {
    expect(multiplyQuantity(quantity, unit)).toEqual({ minor, exact });
  });
});

describe("exact decimal sums for tax rates", () => {
  it.each([
    [["0.19"], 2, "19"],
    [["0.07", "0.0225"], 2, "9.25"],
    [["21", "0.5"], 0, "21.5"],
    [["0.1"], 2, "10"],
    [["5"], 2, "500"],
    [["0.000"], 2, "0"],
  ])("%j shifted %i places is %s", (values, shift, expected) => {
    expect(addDecimals(values, shift)).toBe(expected);
  });
});
