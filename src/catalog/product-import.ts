/**
 * Products from a CSV file, upserted by SKU: every row is checked first, and one bad row refuses
 * the whole file with its row number, so a file is never half-imported for being wrong.
 */
import { CsvError, parseCsv } from "../lib/csv";
import { AppError, summarizeProblems, type FieldProblem } from "../lib/errors";
import { issuesOf } from "../lib/validate";
import { importStatements, writeImport, type ImportRow } from "./catalog-store";
import { priceOf, productCreateSchema } from "./products";

/** At most this many rows in one import file; a larger catalogue is imported in parts. */
export const MAX_IMPORT_ROWS = 10_000;
/** At most this many bytes in one import file: 10 000 rows of about 500 bytes. */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;
/** An invalid file lists this many problems at most (its message still counts them all). */
const MAX_LISTED_PROBLEMS = 100;

export const IMPORT_COLUMNS = ["sku", "name", "unit_price", "currency", "tax_rate"] as const;
type ImportColumn = (typeof IMPORT_COLUMNS)[number];

export interface ImportPlan {
  /** The columns the file has: the others are left as they are on products that exist. */
  columns: ReadonlySet<ImportColumn>;
  rows: ImportRow[];
}

function invalidFile(problems: FieldProblem[]): AppError {
  return new AppError("validation_failed", summarizeProblems(problems), { problems: problems.slice(0, MAX_LISTED_PROBLEMS) });
}

/**
 * Reads and checks a whole import file without writing anything. Rows are numbered as a
 * spreadsheet shows them: the header is row 1. Blank rows are skipped (their numbers still count).
 */
export function planImport(text: string): ImportPlan {
  let records: string[][];
  try {
    records = parseCsv(text);
  } catch (error) {
    if (error instanceof CsvError) throw invalidFile([{ field: `row ${error.row}`, message: error.message }]);
    throw error;
  }
  const isBlank = (cells: string[]) => cells.every((cell) => cell.trim() === "");
  const [header, ...body] = records;
  if (!header || isBlank(header)) {
    throw invalidFile([{ field: "row 1", message: `the file is empty: its first row names the columns, like ${IMPORT_COLUMNS.join(",")}` }]);
  }

  const problems: FieldProblem[] = [];
  const positions = new Map<ImportColumn, number>();
  header.forEach((cell, position) => {
    const column = cell.trim().toLowerCase() as ImportColumn;
    if (!IMPORT_COLUMNS.includes(column)) {
      problems.push({ field: "row 1", message: `unknown column "${cell.trim()}": the columns are ${IMPORT_COLUMNS.join(", ")}` });
    } else if (positions.has(column)) {
      problems.push({ field: "row 1", message: `the column ${column} appears twice` });
    } else {
      positions.set(column, position);
    }
  });
  for (const required of ["sku", "name"] as const) {
    if (!positions.has(required)) problems.push({ field: "row 1", message: `the column ${required} is missing` });
  }
  if (positions.has("unit_price") !== positions.has("currency")) {
    problems.push({ field: "row 1", message: "the columns unit_price and currency come together: a price needs its currency" });
  }
  if (problems.length) throw invalidFile(problems);

  const dataRows = body.map((cells, index) => ({ cells, number: index + 2 })).filter(({ cells }) => !isBlank(cells));
  if (dataRows.length > MAX_IMPORT_ROWS) {
    throw new AppError(
      "payload_too_large",
      `The file has ${dataRows.length} rows; at most ${MAX_IMPORT_ROWS} are imported at once: split it into smaller files`,
    );
  }

  const rows: ImportRow[] = [];
  const firstRowOf = new Map<string, number>();
  for (const { cells, number } of dataRows) {
    if (cells.length !== header.length) {
      problems.push({ field: `row ${number}`, message: `has ${cells.length} fields where the header has ${header.length}` });
      continue;
    }
    const input: Record<string, string> = {};
    for (const [column, position] of positions) {
      const cell = cells[position].trim();
      if (cell !== "") input[column] = cell;
    }
    const parsed = productCreateSchema.safeParse(input);
    if (!parsed.success) {
      for (const issue of issuesOf(parsed.error)) problems.push({ field: `row ${number}: ${issue.field}`, message: issue.message });
      continue;
    }
    const product = parsed.data;
    const first = firstRowOf.get(product.sku);
    if (first !== undefined) {
      problems.push({ field: `row ${number}: sku`, message: `"${product.sku}" is already on row ${first}: a SKU appears once per file` });
      continue;
    }
    firstRowOf.set(product.sku, number);
    rows.push({ sku: product.sku, name: product.name, ...priceOf(product), taxRate: product.tax_rate ?? null });
  }
  if (problems.length) throw invalidFile(problems);
  return { columns: new Set(positions.keys()), rows };
}

/** Writes a checked file: how many SKUs were new, how many existed and took the file's values. */
export async function importProducts(d1: D1Database, plan: ImportPlan, at: number): Promise<{ created: number; updated: number }> {
  return writeImport(d1, importStatements(plan, at));
}
