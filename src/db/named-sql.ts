/**
 * Hand-written SQL with named parameters. D1 binds only positional ones (`?NNN`), and a statement
 * with sixteen of them makes every reader count; `:channel_id` says what it is. Each distinct name
 * becomes one positional parameter, so a name used five times still binds once.
 */
export type SqlValue = string | number | null;

// A quoted string literal (left as it is: JSON paths and text may hold colons) or a `:name`.
const STRING_OR_NAME = /'(?:[^']|'')*'|(?<![:\w]):([a-z_][a-z0-9_]*)/gi;

/** Compiles `:name` placeholders to `?N` once per text; statements are built from constants, so this stays small. */
const compiled = new Map<string, { text: string; names: string[] }>();

function compile(text: string): { text: string; names: string[] } {
  let found = compiled.get(text);
  if (!found) {
    const names: string[] = [];
    const positional = text.replace(STRING_OR_NAME, (match, name: string | undefined) => {
      if (name === undefined) return match;
      let index = names.indexOf(name);
      if (index < 0) index = names.push(name) - 1;
      return `?${index + 1}`;
    });
    if (names.length > 100) throw new Error(`a statement binds ${names.length} parameters; D1 allows 100`);
    found = { text: positional, names };
    compiled.set(text, found);
  }
  return found;
}

/** Prepares `text` and binds `values` by name; a name missing from `values` is a programming error. */
export function prepareNamed(d1: D1Database, text: string, values: Record<string, SqlValue>): D1PreparedStatement {
  const { text: positional, names } = compile(text);
  return d1.prepare(positional).bind(
    ...names.map((name) => {
      const value = values[name];
      if (value === undefined) throw new Error(`no value for :${name}`);
      return value;
    }),
  );
}
