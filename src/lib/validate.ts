/**
 * zod at every edge (API bodies and queries, dashboard forms, channel settings, store payloads):
 * issues as "field: message" pairs, and a check that fails into the one validation error.
 */
import type { z } from "zod";
import { validationError } from "./errors";

export interface FieldIssue {
  field: string;
  message: string;
}

/** zod issues as "field: message" pairs, with the path written the way a sender reads it. */
export function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.join(".") : "(body)",
    message: issueMessage(issue),
  }));
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type" && issue.input === undefined) return "is required";
  if (issue.code === "invalid_union") {
    const first = issue.errors.flat()[0];
    if (first) return issueMessage(first);
  }
  return issue.message;
}

/** The value as the schema reads it, or the validation_failed error naming every field at fault. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) throw validationError(issuesOf(result.error));
  return result.data;
}
