// re-export until merge: src/jobs (schedule.ts, consumer.ts) imports these from here; the services live in sync-run.ts and sync-schedule.ts.
export { giveUpStockSync, runStockSyncStep } from "./sync-run";
export { queueDueStockSyncs, requeueStalledStockSyncs } from "./sync-schedule";
