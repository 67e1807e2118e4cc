import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { checkArchitecture } from "./check-architecture.mjs";

function tree(files) {
  const root = mkdtempSync(path.join(tmpdir(), "layers-"));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

test("imports down the layers and SQL in a store pass", () => {
  const root = tree({
    "src/orders/order-store.ts": 'export const find = (d1) => d1.prepare("SELECT 1");\n',
    "src/documents/process.ts": 'import { find } from "../orders/order-store";\nexport const run = (d1) => find(d1);\n',
  });
  try {
    assert.deepEqual(checkArchitecture(root), []);
  } finally {
    rmSync(root, { recursive: true });
  }
});

test("an import up a layer, a sibling import and SQL outside a store are each reported", () => {
  const root = tree({
    "src/orders/order.ts": 'import { run } from "../documents/process";\n',
    "src/documents/process.ts": "export const run = (services) => services.db\n  .select().from(x);\n",
    "src/dashboard/pages/inbox.tsx": 'import { orderRoutes } from "../../api/orders";\n',
    "src/api/orders.ts": "export const orderRoutes = 1;\n",
  });
  try {
    const problems = checkArchitecture(root);
    assert.equal(problems.length, 3, problems.join("\n"));
    assert.match(problems.join("\n"), /src\/orders\/order\.ts: imports src\/documents\/process\.ts, which is above it/);
    assert.match(problems.join("\n"), /src\/documents\/process\.ts:1: speaks SQL \(db\.select\(\)/);
    assert.match(problems.join("\n"), /src\/dashboard\/pages\/inbox\.tsx: imports src\/api\/orders\.ts; src\/dashboard\/ and src\/api\/ share a layer/);
  } finally {
    rmSync(root, { recursive: true });
  }
});

test("a file in no layer is reported", () => {
  const root = tree({ "src/misc/thing.ts": "export {};\n" });
  try {
    assert.match(checkArchitecture(root).join("\n"), /src\/misc\/thing\.ts: in no layer/);
  } finally {
    rmSync(root, { recursive: true });
  }
});
