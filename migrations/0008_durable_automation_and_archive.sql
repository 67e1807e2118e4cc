ALTER TABLE `deliveries` ADD `body_archive_key` text;--> statement-breakpoint
CREATE INDEX `deliveries_body_unarchived` ON `deliveries` (`received_at`) WHERE body IS NOT NULL AND body_archive_key IS NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `automation_due_at` integer;--> statement-breakpoint
CREATE INDEX `orders_automation_due` ON `orders` (`automation_due_at`) WHERE automation_due_at IS NOT NULL;