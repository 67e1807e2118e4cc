CREATE TABLE `customer_links` (
	`channel_id` text NOT NULL,
	`external_id` text NOT NULL,
	`customer_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `customer_links_unique` ON `customer_links` (`channel_id`,`external_id`);--> statement-breakpoint
CREATE TABLE `customers` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`email` text,
	`vat_number` text,
	`company` text,
	`phone` text,
	`address` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `customers_email` ON `customers` (`email`);--> statement-breakpoint
CREATE INDEX `customers_vat` ON `customers` (`vat_number`);--> statement-breakpoint
CREATE TABLE `document_series` (
	`key` text PRIMARY KEY NOT NULL,
	`last_number` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `documents` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`status` text NOT NULL,
	`number` text,
	`source_key` text NOT NULL,
	`order_id` text,
	`channel_id` text,
	`customer_id` text,
	`credit_of` text,
	`currency` text NOT NULL,
	`subtotal_minor` integer NOT NULL,
	`tax_minor` integer NOT NULL,
	`total_minor` integer NOT NULL,
	`data` text NOT NULL,
	`problems` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`executed_at` integer,
	`cancelled_at` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `documents_source_unique` ON `documents` (`source_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `documents_number_unique` ON `documents` (`number`);--> statement-breakpoint
CREATE INDEX `documents_order` ON `documents` (`order_id`);--> statement-breakpoint
CREATE INDEX `documents_created` ON `documents` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `payments` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`source_key` text NOT NULL,
	`document_id` text NOT NULL,
	`order_id` text,
	`channel_id` text,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`paid_at` integer NOT NULL,
	`method` text,
	`account` text NOT NULL,
	`reference` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payments_source_unique` ON `payments` (`source_key`);--> statement-breakpoint
CREATE INDEX `payments_document` ON `payments` (`document_id`);--> statement-breakpoint
CREATE TABLE `products` (
	`id` text PRIMARY KEY NOT NULL,
	`sku` text NOT NULL,
	`name` text NOT NULL,
	`unit_price_minor` integer,
	`currency` text,
	`tax_rate` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `products_sku_unique` ON `products` (`sku`);--> statement-breakpoint
CREATE TABLE `stock_movements` (
	`id` text PRIMARY KEY NOT NULL,
	`document_id` text NOT NULL,
	`line_index` integer NOT NULL,
	`product_id` text NOT NULL,
	`quantity` real NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `stock_movements_line_unique` ON `stock_movements` (`document_id`,`line_index`);--> statement-breakpoint
CREATE INDEX `stock_movements_product` ON `stock_movements` (`product_id`);--> statement-breakpoint
ALTER TABLE `channels` ADD `automation` text;