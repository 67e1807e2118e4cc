// re-export until merge: the daily cron calls the inbound retention service directly then.
export { purgeExpiredBodies, purgeOldStockSyncItems } from "../inbound/retention";
