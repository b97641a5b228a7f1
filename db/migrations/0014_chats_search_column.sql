DROP INDEX "conversations_last_idx";--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "visitor_search" text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX "conversations_last_search_idx" ON "conversations" USING btree ("last_message_at","id","visitor_search");--> statement-breakpoint
CREATE INDEX "conversations_visitor_search_idx" ON "conversations" USING btree ("visitor_search" text_pattern_ops);