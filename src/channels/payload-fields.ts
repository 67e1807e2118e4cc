/**
 * zod fields for reading store payloads that were parsed losslessly (every number is its exact
 * text): ids and names as text, money as decimal text, flags and quantities however they came.
 */
import { z } from "zod";

export const text = z.union([z.string(), z.number()]).transform(String);
export const optionalText = text.nullish();
export const decimal = z
  .union([z.string(), z.number()])
  .transform(String)
  .pipe(z.string().regex(/^-?\d+(\.\d+)?$/, "must be a decimal number"));
export const flag = z.union([z.boolean(), z.enum(["true", "false"]).transform((value) => value === "true")]);
export const quantity = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/, "must be a number").transform(Number)]);

/**
 * A list whose entries' `field` (an id) must not repeat: a line or refund sent twice is a sender's
 * bug that would count money twice, refused at ingest naming the second entry's id.
 */
export function uniqueIds<T extends z.ZodType>(entries: T, field = "id") {
  return z.array(entries).superRefine((list, context) => {
    const seen = new Map<string, number>();
    list.forEach((entry, index) => {
      const id = entry && typeof entry === "object" ? (entry as Record<string, unknown>)[field] : undefined;
      if (id === undefined || id === null) return;
      const key = String(id);
      const first = seen.get(key);
      if (first === undefined) seen.set(key, index);
      else context.addIssue({ code: "custom", path: [index, field], message: `repeats the ${field} ${key.slice(0, 64)} of entry ${first}` });
    });
  });
}
