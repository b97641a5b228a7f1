DROP INDEX "leads_stage_created_idx";--> statement-breakpoint
DROP INDEX "leads_source_created_idx";--> statement-breakpoint
CREATE INDEX "leads_source_chat_created_idx" ON "leads" USING btree ("created_at","id") WHERE source = 'chat';--> statement-breakpoint
CREATE INDEX "leads_source_web_created_idx" ON "leads" USING btree ("created_at","id") WHERE source = 'web';--> statement-breakpoint
CREATE INDEX "leads_source_csv_created_idx" ON "leads" USING btree ("created_at","id") WHERE source = 'csv';--> statement-breakpoint
CREATE INDEX "leads_source_sheet_created_idx" ON "leads" USING btree ("created_at","id") WHERE source = 'sheet';--> statement-breakpoint
CREATE INDEX "leads_stage_new_created_idx" ON "leads" USING btree ("created_at","id") WHERE stage = 'new';--> statement-breakpoint
CREATE INDEX "leads_stage_qualified_created_idx" ON "leads" USING btree ("created_at","id") WHERE stage = 'qualified';--> statement-breakpoint
CREATE INDEX "leads_stage_not_qualified_created_idx" ON "leads" USING btree ("created_at","id") WHERE stage = 'not_qualified';--> statement-breakpoint
CREATE INDEX "leads_stage_converted_created_idx" ON "leads" USING btree ("created_at","id") WHERE stage = 'converted';