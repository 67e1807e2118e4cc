/** zod at the API's edges: query strings and JSON bodies, failing into the one error envelope. */
import type { Context } from "hono";
import type { z } from "zod";
import { AppError, validationError } from "../lib/errors";
import { issuesOf, validate } from "../lib/validate";

export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const result = schema.safeParse(c.req.query(), { reportInput: true });
  if (!result.success) throw validationError(issuesOf(result.error));
  return result.data;
}

/** The request's JSON body; an empty body is an empty object. */
export async function readJsonBody(c: Context): Promise<unknown> {
  try {
    const text = await c.req.text();
    return text.trim() === "" ? {} : JSON.parse(text);
  } catch (error) {
    throw new AppError("malformed_body", `The body is not valid JSON: ${(error as Error).message}`);
  }
}


export async function parseJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  return validate(schema, await readJsonBody(c));
}


