// re-export until merge: the consumer and the minute cron call the inbound services directly then.
export { confirmStoredDelivery, giveUpConfirming, requeuePendingDeliveries, type Settled } from "../inbound/confirm-delivery";
