CREATE TABLE `channel_secrets` (
	`id` text PRIMARY KEY NOT NULL,
	`channel_id` text NOT NULL,
	`secret` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `channel_secrets_channel` ON `channel_secrets` (`channel_id`);--> statement-breakpoint
CREATE TABLE `channels` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`name` text NOT NULL,
	`token` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`settings` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `channels_token_unique` ON `channels` (`token`);--> statement-breakpoint
CREATE TABLE `deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`channel_id` text,
	`received_at` integer NOT NULL,
	`outcome` text NOT NULL,
	`http_status` integer NOT NULL,
	`error_code` text,
	`reason` text,
	`content_type` text,
	`headers` text DEFAULT '{}' NOT NULL,
	`body` text,
	`body_bytes` integer DEFAULT 0 NOT NULL,
	`body_purged_at` integer,
	`order_id` text,
	`event_id` text
);
--> statement-breakpoint
CREATE INDEX `deliveries_received` ON `deliveries` (`received_at`,`id`);--> statement-breakpoint
CREATE INDEX `deliveries_channel_received` ON `deliveries` (`channel_id`,`received_at`);--> statement-breakpoint
CREATE INDEX `deliveries_order` ON `deliveries` (`order_id`);--> statement-breakpoint
CREATE INDEX `deliveries_body_retained` ON `deliveries` (`received_at`) WHERE body IS NOT NULL;--> statement-breakpoint
CREATE TABLE `order_events` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`key` text NOT NULL,
	`kind` text NOT NULL,
	`delivery_id` text,
	`source_updated_at` integer,
	`data` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `order_events_channel_key_unique` ON `order_events` (`channel_id`,`key`);--> statement-breakpoint
CREATE INDEX `order_events_order` ON `order_events` (`order_id`,`at`);--> statement-breakpoint
CREATE TABLE `orders` (
	`id` text PRIMARY KEY NOT NULL,
	`channel_id` text NOT NULL,
	`external_id` text NOT NULL,
	`number` text,
	`currency` text NOT NULL,
	`total_minor` integer NOT NULL,
	`financial_status` text NOT NULL,
	`customer_name` text,
	`customer_email` text,
	`placed_at` integer NOT NULL,
	`source_updated_at` integer NOT NULL,
	`data` text NOT NULL,
	`status` text DEFAULT 'new' NOT NULL,
	`warnings` text DEFAULT '[]' NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`processed_version` integer DEFAULT 0 NOT NULL,
	`last_event_id` text NOT NULL,
	`processing_attempts` integer DEFAULT 0 NOT NULL,
	`processing_error` text,
	`processing_failed_at` integer,
	`queued_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `orders_channel_external_unique` ON `orders` (`channel_id`,`external_id`);--> statement-breakpoint
CREATE INDEX `orders_placed` ON `orders` (`placed_at`,`id`);--> statement-breakpoint
CREATE INDEX `orders_status_placed` ON `orders` (`status`,`placed_at`);--> statement-breakpoint
CREATE INDEX `orders_unprocessed` ON `orders` (`queued_at`) WHERE processed_version < version AND processing_failed_at IS NULL;