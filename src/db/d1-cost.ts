/**
 * Counts what a piece of work costs in D1: round trips, statements, rows read and written (as D1
 * reports them). The bench reads these figures from the Worker's log to show what processing one
 * order costs; the statements are D1's own objects, only their methods are wrapped.
 */
export interface D1Cost {
  roundTrips: number;
  statements: number;
  rowsRead: number;
  rowsWritten: number;
}

type Meta = { meta?: { rows_read?: number; rows_written?: number } };

export function countingD1(d1: D1Database): { d1: D1Database; cost: D1Cost } {
  const cost: D1Cost = { roundTrips: 0, statements: 0, rowsRead: 0, rowsWritten: 0 };
  const add = (result: unknown) => {
    const meta = (result as Meta | null)?.meta;
    cost.rowsRead += meta?.rows_read ?? 0;
    cost.rowsWritten += meta?.rows_written ?? 0;
  };

  function instrument(statement: D1PreparedStatement): D1PreparedStatement {
    const target = statement as unknown as Record<string, (...args: unknown[]) => unknown>;
    const bind = target.bind.bind(statement);
    target.bind = (...values: unknown[]) => instrument(bind(...values) as D1PreparedStatement);
    for (const method of ["first", "all", "run", "raw"]) {
      const original = target[method].bind(statement);
      target[method] = async (...args: unknown[]) => {
        cost.roundTrips += 1;
        cost.statements += 1;
        const result = await original(...args);
        add(result);
        return result;
      };
    }
    return statement;
  }

  const counted = Object.create(d1) as D1Database;
  counted.prepare = (query: string) => instrument(d1.prepare(query));
  counted.batch = async <T>(statements: D1PreparedStatement[]) => {
    cost.roundTrips += 1;
    cost.statements += statements.length;
    const results = await d1.batch<T>(statements);
    for (const result of results) add(result);
    return results;
  };
  return { d1: counted, cost };
}
