CREATE TABLE `company_profile` (
	`id` text PRIMARY KEY NOT NULL,
	`data` text NOT NULL,
	`logo_key` text,
	`logo_type` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `document_emails` (
	`id` text PRIMARY KEY NOT NULL,
	`document_id` text NOT NULL,
	`send_key` text NOT NULL,
	`recipient` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`error` text,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `document_emails_send_key` ON `document_emails` (`send_key`);--> statement-breakpoint
CREATE INDEX `document_emails_document` ON `document_emails` (`document_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `exchange_rates` (
	`date` text NOT NULL,
	`currency` text NOT NULL,
	`per_eur` text NOT NULL,
	`fetched_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `exchange_rates_date_currency` ON `exchange_rates` (`currency`,`date`);--> statement-breakpoint
CREATE TABLE `tax_codes` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`label` text NOT NULL,
	`kind` text NOT NULL,
	`country` text NOT NULL,
	`rate` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tax_codes_code_unique` ON `tax_codes` (`code`);--> statement-breakpoint
CREATE UNIQUE INDEX `tax_codes_key_unique` ON `tax_codes` (`kind`,`country`,`rate`);--> statement-breakpoint
CREATE TABLE `vat_checks` (
	`vat_number` text PRIMARY KEY NOT NULL,
	`result` text NOT NULL,
	`name` text,
	`address` text,
	`request_id` text,
	`checked_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `documents` ADD `issued` text;