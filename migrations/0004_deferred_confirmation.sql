ALTER TABLE `deliveries` ADD `confirm_queued_at` integer;--> statement-breakpoint
CREATE INDEX `deliveries_pending` ON `deliveries` (`received_at`) WHERE outcome = 'pending';