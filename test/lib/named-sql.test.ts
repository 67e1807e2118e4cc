import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { prepareNamed } from "../../src/db/named-sql";

describe("prepareNamed", () => {
  it("binds each name once, wherever it stands, and leaves string literals alone", async () => {
    const row = await prepareNamed(env.DB, "SELECT :a AS a, :b AS b, :a || ':a' AS again, :b + 1 AS next", { a: "x", b: 2 }).first();
    expect(row).toEqual({ a: "x", b: 2, again: "x:a", next: 3 });
  });

  it("refuses a statement whose name has no value", () => {
    expect(() => prepareNamed(env.DB, "SELECT :missing", {})).toThrow("no value for :missing");
  });

  it("refuses more than D1's 100 parameters", () => {
    const names = Array.from({ length: 101 }, (_, index) => `:p${index}`);
    const values = Object.fromEntries(names.map((name) => [name.slice(1), 1]));
    expect(() => prepareNamed(env.DB, `SELECT ${names.join(", ")}`, values)).toThrow("D1 allows 100");
  });
});
