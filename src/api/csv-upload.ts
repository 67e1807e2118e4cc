/** Reading an uploaded CSV file (product and stock imports): `text/csv`, UTF-8, within a size. */
import type { Context } from "hono";
import { readBodyWithin } from "../inbound/read-body";
import { AppError } from "../lib/errors";

function checkCsvContentType(header: string | undefined): void {
  const [media, ...parameters] = (header ?? "").split(";").map((part) => part.trim().toLowerCase());
  if (media !== "text/csv") {
    throw new AppError("unsupported_media_type", `Send the file with Content-Type: text/csv (not ${header ? `"${header}"` : "none"})`);
  }
  const charset = parameters.find((parameter) => parameter.startsWith("charset="))?.slice("charset=".length).replace(/"/g, "");
  if (charset && charset !== "utf-8" && charset !== "utf8") {
    throw new AppError("unsupported_media_type", `The file must be UTF-8 (not ${charset}): save it as "CSV UTF-8"`);
  }
}

/** The uploaded file as text (a byte-order mark is dropped); refused before it is read past `maxBytes`. */
export async function readCsvUpload(c: Context, maxBytes: number): Promise<string> {
  checkCsvContentType(c.req.header("content-type"));
  const read = await readBodyWithin(c.req.raw, maxBytes);
  if (!read.ok) throw new AppError("payload_too_large", `The file is larger than ${maxBytes} bytes: split it into smaller files`);
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(read.bytes);
  } catch {
    throw new AppError("invalid_encoding", 'The file is not valid UTF-8: save it as "CSV UTF-8"');
  }
}
