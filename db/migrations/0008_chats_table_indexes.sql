CREATE INDEX "visitors_name_prefix_idx" ON "visitors" USING btree (lower("name") text_pattern_ops);--> statement-breakpoint
CREATE INDEX "visitors_email_prefix_idx" ON "visitors" USING btree (lower("email") text_pattern_ops);--> statement-breakpoint
CREATE INDEX "visitors_phone_prefix_idx" ON "visitors" USING btree ("phone" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "conversations_last_idx" ON "conversations" USING btree ("last_message_at","id");--> statement-breakpoint
CREATE INDEX "conversations_stage_last_idx" ON "conversations" USING btree ("lead_stage","last_message_at","id");--> statement-breakpoint
CREATE INDEX "conversations_assignee_last_idx" ON "conversations" USING btree ("assignee_id","last_message_at","id");--> statement-breakpoint
CREATE INDEX "conversations_project_last_idx" ON "conversations" USING btree ("project_id","last_message_at","id");--> statement-breakpoint
CREATE INDEX "conversations_ai_last_idx" ON "conversations" USING btree ("last_message_at","id") WHERE "conversations"."assigned_to_ai";