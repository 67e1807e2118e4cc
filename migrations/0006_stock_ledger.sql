CREATE TABLE `stock_adjustments` (
	`id` text PRIMARY KEY NOT NULL,
	`product_id` text NOT NULL,
	`warehouse_id` text NOT NULL,
	`quantity` real NOT NULL,
	`counted_on_hand` real,
	`reason` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `stock_adjustments_product` ON `stock_adjustments` (`product_id`,`warehouse_id`);--> statement-breakpoint
CREATE TABLE `warehouses` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `stock_movements` ADD `warehouse_id` text DEFAULT 'main' NOT NULL;--> statement-breakpoint
-- The default warehouse every executed document moves stock in.
INSERT INTO `warehouses` (`id`, `name`, `created_at`) VALUES ('main', 'Main warehouse', 0) ON CONFLICT (`id`) DO NOTHING;
