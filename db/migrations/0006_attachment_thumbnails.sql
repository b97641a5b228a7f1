ALTER TABLE "attachments" ADD COLUMN "thumb_storage_name" text;--> statement-breakpoint
ALTER TABLE "attachments" ADD COLUMN "thumb_width" integer;--> statement-breakpoint
ALTER TABLE "attachments" ADD COLUMN "thumb_height" integer;