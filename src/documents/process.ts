// re-export until merge: the services now live in from-order.ts, document-actions.ts and recheck.ts.
export { automateOrder, previewOrderDocument, processOrderDocuments, type DocumentOptions, type ProcessResult, type StoredDocument } from "./from-order";
export { addManualPayment, cancelDocument, creditDocument, executeDocument } from "./document-actions";
export { recheckOrdersWaitingFor } from "./recheck";
