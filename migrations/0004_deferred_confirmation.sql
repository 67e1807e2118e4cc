ALTER TABLE `deliveries` ADD `confirm_queued_at` integer;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `confirm_attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `deliveries_pending` ON `deliveries` (`received_at`) WHERE outcome = 'pending';