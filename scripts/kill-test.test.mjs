import assert from "node:assert/strict";
import { test } from "node:test";
import { numberingViolations, planKills, prng } from "./kill-test.mjs";

const invoice = (id, number) => ({ id, type: "invoice", status: "executed", number });

test("numbering: a gapless series from 1 passes, in any order", () => {
  const { series, violations } = numberingViolations([invoice("d3", "INV-2026-00003"), invoice("d1", "INV-2026-00001"), invoice("d2", "INV-2026-00002")]);
  assert.deepEqual(violations, []);
  assert.deepEqual(series, ["INV-2026-"]);
});

test("numbering: a gap, a number given twice, a missing number and a series not starting at 1 are each reported", () => {
  const { violations } = numberingViolations([
    invoice("d1", "INV-2026-00001"),
    invoice("d2", "INV-2026-00001"),
    invoice("d3", "INV-2026-00003"),
    invoice("d4", null),
    invoice("d5", "INV-2027-00002"),
  ]);
  assert.equal(violations.length, 4, violations.join("\n"));
  assert.match(violations.join("\n"), /INV-2026-00001: given to d1 and d2/);
  assert.match(violations.join("\n"), /series INV-2026-: 1 gap\(s\), missing 2 of 1…3/);
  assert.match(violations.join("\n"), /d4: executed invoice numbered null/);
  assert.match(violations.join("\n"), /series INV-2027-: 1 gap\(s\), missing 1 of 1…2/);
});

test("kills: the same seed places the same kills, within the orders, sorted", () => {
  const options = { orders: 300, kills: 3, "max-kill-delay": 2000 };
  const plan = planKills(options, prng(14));
  assert.deepEqual(planKills(options, prng(14)), plan);
  assert.notDeepEqual(planKills(options, prng(15)), plan);
  assert.equal(plan.length, 3);
  for (const kill of plan) {
    assert.ok(kill.threshold >= 30 && kill.threshold <= 300, `threshold ${kill.threshold}`);
    assert.ok(kill.delayMs >= 0 && kill.delayMs <= 2000, `delay ${kill.delayMs}`);
  }
  assert.deepEqual([...plan].sort((a, b) => a.threshold - b.threshold), plan);
});
