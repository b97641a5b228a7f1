ALTER TABLE "visitor_attributions" ALTER COLUMN "visitor_id" DROP NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "leads_web_ref_uq" ON "leads" USING btree ("project_id","external_ref") WHERE "leads"."source" = 'web' and "leads"."external_ref" is not null;--> statement-breakpoint
CREATE INDEX "leads_project_created_idx" ON "leads" USING btree ("project_id","created_at","id");