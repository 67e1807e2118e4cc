import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { countingD1 } from "../../src/db/d1-cost";

describe("countingD1", () => {
  it("counts round trips, statements and the rows D1 reports, and leaves results as they were", async () => {
    const { d1, cost } = countingD1(env.DB);
    await d1.prepare("CREATE TABLE IF NOT EXISTS cost_probe (id INTEGER PRIMARY KEY, name TEXT)").run();
    const results = await d1.batch([
      d1.prepare("INSERT INTO cost_probe (name) VALUES (?1)").bind("a"),
      d1.prepare("INSERT INTO cost_probe (name) VALUES (?1)").bind("b"),
      d1.prepare("SELECT COUNT(*) AS n FROM cost_probe"),
    ]);
    expect(results[2].results).toEqual([{ n: 2 }]);
    expect(await d1.prepare("SELECT name FROM cost_probe WHERE name = ?1").bind("b").first("name")).toBe("b");
    expect(cost).toMatchObject({ roundTrips: 3, statements: 5 });
    expect(cost.rowsWritten).toBeGreaterThanOrEqual(2);
    expect(cost.rowsRead).toBeGreaterThanOrEqual(2);
  });
});
