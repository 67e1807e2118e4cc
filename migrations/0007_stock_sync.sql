CREATE TABLE `stock_pushed` (
	`channel_id` text NOT NULL,
	`sku` text NOT NULL,
	`quantity` integer NOT NULL,
	`pushed_at` integer NOT NULL,
	`sync_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `stock_pushed_pk` ON `stock_pushed` (`channel_id`,`sku`);--> statement-breakpoint
CREATE INDEX `stock_pushed_sku` ON `stock_pushed` (`sku`);--> statement-breakpoint
CREATE TABLE `stock_sync_items` (
	`sync_id` text NOT NULL,
	`sku` text NOT NULL,
	`quantity` integer NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer DEFAULT 0 NOT NULL,
	`error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `stock_sync_items_pk` ON `stock_sync_items` (`sync_id`,`sku`);--> statement-breakpoint
CREATE INDEX `stock_sync_items_due` ON `stock_sync_items` (`sync_id`,`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `stock_syncs` (
	`id` text PRIMARY KEY NOT NULL,
	`channel_id` text NOT NULL,
	`mode` text NOT NULL,
	`trigger` text NOT NULL,
	`slot` text,
	`warehouse_id` text NOT NULL,
	`status` text NOT NULL,
	`requested_at` integer NOT NULL,
	`finished_at` integer,
	`step` integer DEFAULT 0 NOT NULL,
	`lease_until` integer,
	`step_due_at` integer NOT NULL,
	`items_planned` integer DEFAULT 0 NOT NULL,
	`items_skipped` integer DEFAULT 0 NOT NULL,
	`items_succeeded` integer DEFAULT 0 NOT NULL,
	`items_failed` integer DEFAULT 0 NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`invocations` integer DEFAULT 0 NOT NULL,
	`context` text,
	`warnings` text DEFAULT '[]' NOT NULL,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `stock_syncs_channel` ON `stock_syncs` (`channel_id`,`requested_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `stock_syncs_slot` ON `stock_syncs` (`channel_id`,`slot`) WHERE slot IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `stock_syncs_active` ON `stock_syncs` (`channel_id`) WHERE status IN ('planning', 'running');--> statement-breakpoint
CREATE INDEX `stock_syncs_in_progress` ON `stock_syncs` (`status`,`step_due_at`) WHERE status IN ('planning', 'running');--> statement-breakpoint
CREATE TABLE `store_products` (
	`channel_id` text NOT NULL,
	`sku` text NOT NULL,
	`ref` text,
	`fetched_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `store_products_pk` ON `store_products` (`channel_id`,`sku`);--> statement-breakpoint
ALTER TABLE `channels` ADD `stock_sync` text;