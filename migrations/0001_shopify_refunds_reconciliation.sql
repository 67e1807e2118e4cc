CREATE TABLE `reconciliation_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`channel_id` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`window_from` integer NOT NULL,
	`pages` integer DEFAULT 0 NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`orders_seen` integer DEFAULT 0 NOT NULL,
	`orders_created` integer DEFAULT 0 NOT NULL,
	`orders_updated` integer DEFAULT 0 NOT NULL,
	`status` text NOT NULL,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `reconciliation_runs_channel` ON `reconciliation_runs` (`channel_id`,`started_at`);--> statement-breakpoint
CREATE TABLE `refunds` (
	`id` text PRIMARY KEY NOT NULL,
	`channel_id` text NOT NULL,
	`external_id` text NOT NULL,
	`order_external_id` text NOT NULL,
	`currency` text NOT NULL,
	`amount_minor` integer NOT NULL,
	`data` text NOT NULL,
	`refunded_at` integer NOT NULL,
	`delivery_id` text,
	`origin` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `refunds_channel_external_unique` ON `refunds` (`channel_id`,`external_id`);--> statement-breakpoint
CREATE INDEX `refunds_order` ON `refunds` (`channel_id`,`order_external_id`);--> statement-breakpoint
ALTER TABLE `channels` ADD `sealed_settings` text;--> statement-breakpoint
ALTER TABLE `channels` ADD `credential_keys` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `channels` ADD `reconcile_cursor` integer;--> statement-breakpoint
ALTER TABLE `channels` ADD `reconcile_due_at` integer;--> statement-breakpoint
ALTER TABLE `order_events` ADD `origin` text;