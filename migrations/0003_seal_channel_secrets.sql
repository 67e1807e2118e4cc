ALTER TABLE `channel_secrets` ADD `hint` text DEFAULT '' NOT NULL;--> statement-breakpoint
UPDATE `channel_secrets` SET `hint` = substr(`secret`, -4) WHERE `secret` NOT LIKE 'sealed:%';
