/** Finding rows by a piece of text a person typed, taken literally: its `%` and `_` match themselves. */
import { sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (char) => `\\${char}`);

/**
 * `column` contains `text`. LIKE folds ASCII case only, so a column stored lower case (e-mails)
 * is searched with the text lower-cased.
 */
export function contains(column: SQLiteColumn, text: string, options: { storedLowerCase?: boolean } = {}): SQL {
  const pattern = `%${escapeLike(options.storedLowerCase ? text.toLowerCase() : text)}%`;
  return sql`${column} LIKE ${pattern} ESCAPE '\\'`;
}
