import { describe, expect, it } from "vitest";
import { CsvError, parseCsv } from "../../src/lib/csv";

describe("parseCsv", () => {
  it.each([
    ["an empty text", "", []],
    ["one field", "a", [["a"]]],
    ["LF line ends", "a,b\nc,d\n", [["a", "b"], ["c", "d"]]],
    ["CRLF line ends", "a,b\r\nc,d\r\n", [["a", "b"], ["c", "d"]]],
    ["lone CR line ends", "a,b\rc,d", [["a", "b"], ["c", "d"]]],
    ["no line break at the end", "a,b\nc,d", [["a", "b"], ["c", "d"]]],
    ["a BOM", "\uFEFFsku,name\nA,B", [["sku", "name"], ["A", "B"]]],
    ["empty fields", ",a,,\n,", [["", "a", "", ""], ["", ""]]],
    ["a blank line in the middle", "a\n\nb", [["a"], [""], ["b"]]],
    ["spaces kept as they are", " a , b ", [[" a ", " b "]]],
    ["a quoted comma", '"Widget, large",2', [["Widget, large", "2"]]],
    ["a quoted LF", '"two\nlines",x', [["two\nlines", "x"]]],
    ["a quoted CRLF", '"two\r\nlines"\r\nnext', [["two\r\nlines"], ["next"]]],
    ["doubled quotes", '"say ""hi""",""""', [['say "hi"', '"']]],
    ["an empty quoted field", '"",x', [["", "x"]]],
    ["a quoted field last", 'a,"b"', [["a", "b"]]],
    ["a quote inside an unquoted field", '12" pizza,x', [['12" pizza', "x"]]],
    ["non-ASCII text", "sku,name\nĀ-1,Rūpniecības ielā ☕", [["sku", "name"], ["Ā-1", "Rūpniecības ielā ☕"]]],
  ])("reads %s", (_, text, records) => {
    expect(parseCsv(text)).toEqual(records);
  });

  it.each([
    ["an unterminated quote", 'sku,name\nA,"open\nB,C\n', 2, /not closed/],
    ["an unterminated quote in the header", '"sku,name', 1, /not closed/],
    ["text after a closing quote", 'sku,name\nA,B\n"C"x,D', 3, /follows a closing quote/],
  ])("refuses %s, naming the row", (_, text, row, message) => {
    let error: unknown;
    try {
      parseCsv(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CsvError);
    expect((error as CsvError).row).toBe(row);
    expect((error as CsvError).message).toMatch(message);
  });

  it("numbers rows by record, not by line, after a field with line breaks", () => {
    expect(() => parseCsv('h\n"a\nb\nc"\n"x')).toThrow(expect.objectContaining({ row: 3 }));
  });
});
