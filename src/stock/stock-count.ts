/**
 * Setting what is on hand: one product by hand, or a count of many from a CSV file
 * (`sku,on_hand[,warehouse]`), checked whole before anything is written; and the warehouses a
 * count may name.
 */
import { findProductIdsBySku } from "../catalog/catalog-store";
import type { Services } from "../context";
import { CsvError, parseCsv } from "../lib/csv";
import { AppError, summarizeProblems, type FieldProblem } from "../lib/errors";
import { productIdOf, stockLevels, type StockLevel } from "./balances";
import { DEFAULT_WAREHOUSE } from "./stock-store";
import { findWarehouses, insertWarehouse, setOnHand, setOnHandStatement } from "./stock-store";

const MAX_STOCK_ROWS = 10_000;
const STATEMENTS_PER_BATCH = 100;

async function knownWarehouses(services: Services): Promise<Set<string>> {
  return new Set((await findWarehouses(services.db)).map((row) => row.id));
}

/** Sets what is on hand of a SKU in a warehouse; the ledger records the change. Returns the SKU's levels. */
export async function setStockOnHand(services: Services, sku: string, input: { on_hand: number; warehouse: string; reason: string }): Promise<StockLevel[]> {
  const { d1, now } = services;
  const productId = await productIdOf(d1, sku);
  if (!(await knownWarehouses(services)).has(input.warehouse)) throw new AppError("validation_failed", `warehouse: no warehouse "${input.warehouse}"`);
  await setOnHand(d1, { productId, warehouseId: input.warehouse, onHand: input.on_hand, reason: input.reason }, now());
  return stockLevels(d1, [sku]);
}

/** A count as CSV text: every row is checked before any is written; then each SKU's on-hand is set. */
export async function importStockCount(services: Services, text: string): Promise<{ counted: number }> {
  const { d1, now } = services;
  let records: string[][];
  try {
    records = parseCsv(text);
  } catch (error) {
    if (error instanceof CsvError) throw new AppError("validation_failed", error.message);
    throw error;
  }
  const [header = [], ...rows] = records;
  const columns = header.map((name) => name.trim().toLowerCase());
  const at = (name: string) => columns.indexOf(name);
  if (at("sku") < 0 || at("on_hand") < 0) throw new AppError("validation_failed", "The header must name the columns sku and on_hand (and may name warehouse)");
  if (rows.length > MAX_STOCK_ROWS) throw new AppError("payload_too_large", `At most ${MAX_STOCK_ROWS} rows a file`);

  const bySku = await findProductIdsBySku(d1);
  const warehouses = await knownWarehouses(services);
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  const plan: Array<{ productId: string; warehouseId: string; onHand: number }> = [];
  rows.forEach((cells, index) => {
    if (cells.every((cell) => cell.trim() === "")) return;
    const row = `row ${index + 2}`;
    const sku = (cells[at("sku")] ?? "").trim();
    const raw = (cells[at("on_hand")] ?? "").trim();
    const warehouse = at("warehouse") >= 0 && (cells[at("warehouse")] ?? "").trim() ? cells[at("warehouse")].trim() : DEFAULT_WAREHOUSE;
    const onHand = Number(raw);
    const productId = bySku.get(sku);
    if (!productId) problems.push({ field: `${row}: sku`, message: `no product has SKU "${sku}"` });
    if (raw === "" || !Number.isFinite(onHand) || onHand < 0) problems.push({ field: `${row}: on_hand`, message: "must be a number, 0 or more" });
    if (!warehouses.has(warehouse)) problems.push({ field: `${row}: warehouse`, message: `no warehouse "${warehouse}"` });
    const key = `${sku}\u0000${warehouse}`;
    if (seen.has(key)) problems.push({ field: `${row}: sku`, message: `"${sku}" is counted twice for warehouse ${warehouse}` });
    seen.add(key);
    if (productId) plan.push({ productId, warehouseId: warehouse, onHand });
  });
  if (problems.length) throw new AppError("validation_failed", summarizeProblems(problems), { problems: problems.slice(0, 100) });

  const time = now();
  const statements = plan.map((entry) => setOnHandStatement(d1, { ...entry, reason: "CSV count" }, time));
  for (let start = 0; start < statements.length; start += STATEMENTS_PER_BATCH) {
    await d1.batch(statements.slice(start, start + STATEMENTS_PER_BATCH));
  }
  return { counted: plan.length };
}

/** Adds a warehouse; an id taken already is a conflict. */
export async function createWarehouse(services: Services, input: { id: string; name: string }): Promise<void> {
  if (!(await insertWarehouse(services.db, input, services.now()))) throw new AppError("conflict", `A warehouse "${input.id}" exists already`);
}
