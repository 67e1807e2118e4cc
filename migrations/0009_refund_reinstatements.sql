CREATE TABLE `reinstatements` (
	`id` text PRIMARY KEY NOT NULL,
	`channel_id` text NOT NULL,
	`external_id` text NOT NULL,
	`parent_external_id` text NOT NULL,
	`currency` text NOT NULL,
	`amount_minor` integer NOT NULL,
	`data` text NOT NULL,
	`reinstated_at` integer NOT NULL,
	`refund_id` text,
	`delivery_id` text,
	`origin` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reinstatements_channel_external_unique` ON `reinstatements` (`channel_id`,`external_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `reinstatements_refund_unique` ON `reinstatements` (`refund_id`);--> statement-breakpoint
CREATE INDEX `reinstatements_parent` ON `reinstatements` (`channel_id`,`parent_external_id`);