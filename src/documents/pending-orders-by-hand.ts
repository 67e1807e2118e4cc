/**
 * Processing orders by hand (moved out of api/orders.ts so the API and the dashboard share it).
 * It reads the channel and calls the documents service, so it sits in documents, not in orders;
 * the documents helper folds it into its services at merge.
 */
import { channelAutomationOfOrder } from "../channels/channel-store";
import type { Services } from "../context";
import { AppError } from "../lib/errors";
import { automationOf, type SalesDocumentType } from "./automation";
import { processOrderDocuments, type DocumentOptions, type ProcessResult } from "./from-order";

/** What a person chose; anything left out comes from the channel's switches. */
export interface ByHandChoices {
  type?: SalesDocumentType;
  execute?: boolean;
  add_payment?: boolean;
}

/** Choices given override the channel's switches; by hand, a document is made whatever the switch says. */
export async function documentOptionsByHand(d1: D1Database, orderId: string, choices: ByHandChoices): Promise<DocumentOptions> {
  const channel = await channelAutomationOfOrder(d1, orderId);
  if (!channel) throw new AppError("not_found", `No order ${orderId}`);
  const rules = automationOf(channel.type, channel.automation);
  return { type: choices.type ?? rules.create ?? "invoice", execute: choices.execute ?? rules.execute, add_payment: choices.add_payment ?? rules.add_payment };
}

export type BulkResult =
  | { order_id: string; ok: true; document_id: string | null; status: string | null; problems: ProcessResult["problems"]; skipped: string | null }
  | { order_id: string; ok: false; error: { code: string; message: string } };

/** Many orders at once, each on its own: one failing does not stop the others. */
export async function processOrdersInBulk(services: Services, ids: string[], choices: ByHandChoices): Promise<BulkResult[]> {
  const results: BulkResult[] = [];
  for (const id of ids) {
    try {
      const result = await processOrderDocuments(services, id, await documentOptionsByHand(services.d1, id, choices), "by hand (bulk)");
      results.push({ order_id: id, ok: true, document_id: result.document?.id ?? null, status: result.document?.status ?? null, problems: result.problems, skipped: result.skipped });
    } catch (error) {
      const code = error instanceof AppError ? error.code : "internal_error";
      results.push({ order_id: id, ok: false, error: { code, message: (error as Error).message } });
    }
  }
  return results;
}
