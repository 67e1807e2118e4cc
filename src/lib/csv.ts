/**
 * A small RFC 4180 CSV reader: comma-separated fields, records ended by CRLF, LF or a lone CR,
 * fields in double quotes may hold commas, line breaks and `""` for one quote. A leading UTF-8
 * BOM is dropped, and a line break at the very end does not start an empty record.
 *
 * Lenient where spreadsheets are sloppy (a quote inside an unquoted field, like `12" pizza`, is
 * kept as text) and strict where the meaning would be a guess: an unterminated quote, or text
 * after a closing quote, throws a CsvError naming the record.
 */

export class CsvError extends Error {
  override name = "CsvError";
  /** The 1-based record (row) the problem is in; the header is row 1. */
  readonly row: number;

  constructor(row: number, message: string) {
    super(message);
    this.row = row;
  }
}

const QUOTE = 34; // "
const COMMA = 44; // ,
const LF = 10;
const CR = 13;

export function parseCsv(input: string): string[][] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const records: string[][] = [];
  let record: string[] = [];
  let index = 0;
  const length = text.length;
  if (length === 0) return records;

  for (;;) {
    // At the start of a field.
    let field: string;
    if (text.charCodeAt(index) === QUOTE) {
      const opened = records.length + 1;
      let value = "";
      let from = index + 1;
      for (;;) {
        const close = text.indexOf('"', from);
        if (close === -1) throw new CsvError(opened, "a quoted field is not closed: a \" is missing");
        value += text.slice(from, close);
        if (text.charCodeAt(close + 1) === QUOTE) {
          value += '"';
          from = close + 2;
          continue;
        }
        index = close + 1;
        break;
      }
      const next = text.charCodeAt(index);
      if (index < length && next !== COMMA && next !== LF && next !== CR) {
        throw new CsvError(opened, "text follows a closing quote: inside a quoted field, write a quote as \"\"");
      }
      field = value;
    } else {
      let end = index;
      while (end < length) {
        const code = text.charCodeAt(end);
        if (code === COMMA || code === LF || code === CR) break;
        end++;
      }
      field = text.slice(index, end);
      index = end;
    }
    record.push(field);

    // After a field: a comma, a line break, or the end.
    if (index >= length) {
      records.push(record);
      return records;
    }
    const code = text.charCodeAt(index);
    if (code === COMMA) {
      index++;
      continue;
    }
    // A line break: CRLF, LF or a lone CR.
    index += code === CR && text.charCodeAt(index + 1) === LF ? 2 : 1;
    records.push(record);
    record = [];
    if (index >= length) return records;
  }
}
