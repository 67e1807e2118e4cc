/**
 * One error vocabulary for the whole inbox. Lower layers return or throw `AppError` with a code;
 * the HTTP status is derived from the code in one place, and `onError` renders one envelope:
 * `{ "error": { "code", "message" } }`.
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export type ErrorCode =
  | "bad_request"
  | "malformed_body"
  | "malformed_xml"
  | "xml_doctype_forbidden"
  | "invalid_encoding"
  | "validation_failed"
  | "channel_type_not_available"
  | "unauthorized"
  | "forbidden"
  | "too_many_attempts"
  | "signature_missing"
  | "signature_malformed"
  | "signature_mismatch"
  | "signature_expired"
  | "wrong_receiver"
  | "channel_disabled"
  | "not_found"
  | "channel_not_found"
  | "conflict"
  | "notification_url_taken"
  | "event_id_reused"
  | "stock_sync_running"
  | "stock_sync_unavailable"
  | "channel_deleted"
  | "payload_too_large"
  | "unsupported_media_type"
  | "storage_unavailable"
  | "store_error"
  | "internal_error"
  | "bad_environment"
  | "no_exchange_rate"
  | "rates_unavailable"
  | "identity_unavailable";

export function statusOf(code: ErrorCode): ContentfulStatusCode {
  switch (code) {
    case "bad_request":
    case "malformed_body":
    case "malformed_xml":
    case "xml_doctype_forbidden":
    case "invalid_encoding":
    case "validation_failed":
    case "channel_type_not_available":
      return 400;
    case "unauthorized":
    case "signature_missing":
    case "signature_malformed":
    case "signature_mismatch":
    case "signature_expired":
      return 401;
    case "forbidden":
    case "channel_disabled":
    case "wrong_receiver":
      return 403;
    case "not_found":
    case "channel_not_found":
    case "no_exchange_rate":
      return 404;
    case "conflict":
    case "notification_url_taken":
    case "event_id_reused":
    case "stock_sync_running":
    case "stock_sync_unavailable":
      return 409;
    case "channel_deleted":
      return 410;
    case "payload_too_large":
      return 413;
    case "unsupported_media_type":
      return 415;
    case "too_many_attempts":
      return 429;
    case "store_error":
    case "rates_unavailable":
      return 502;
    case "storage_unavailable":
    case "identity_unavailable":
      return 503;
    case "internal_error":
    case "bad_environment":
      return 500;
    default: {
      const unreachable: never = code;
      throw new Error(`unknown error code ${unreachable}`);
    }
  }
}

export interface FieldProblem {
  field: string;
  message: string;
}

/** An error the caller can act on. `retryable` says whether sending the same request again can help. */
export class AppError extends HTTPException {
  override name = "AppError";
  readonly code: ErrorCode;
  readonly problems?: FieldProblem[];

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; problems?: FieldProblem[] } = {}) {
    super(statusOf(code), { message, cause: options.cause });
    this.code = code;
    this.problems = options.problems;
  }

  get retryable(): boolean {
    return this.status >= 500;
  }

  toJSON() {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.problems ? { problems: this.problems } : {}),
      },
    };
  }
}

/** "lines.0.total: is required (and 2 more problems)": the first field named, the count of the rest. */
export function summarizeProblems(problems: FieldProblem[]): string {
  const [first] = problems;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? "s" : ""})` : "";
  return `${first.field}: ${first.message}${more}`;
}

/** A validation failure whose message names the first field, with the full list alongside. */
export function validationError(problems: FieldProblem[]): AppError {
  return new AppError("validation_failed", summarizeProblems(problems), { problems });
}
