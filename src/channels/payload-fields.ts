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
