// re-export until merge: the consumer and the minute cron call the inbound reconciliation service directly then.
export { queueDueReconciliations, sweepChannel } from "../inbound/reconcile";
