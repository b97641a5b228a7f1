CREATE TYPE "public"."lead_import_duplicates" AS ENUM('skip', 'merge');--> statement-breakpoint
CREATE TYPE "public"."lead_import_status" AS ENUM('uploaded', 'queued', 'running', 'done', 'failed');--> statement-breakpoint
CREATE TABLE "lead_import_rows" (
	"import_id" integer NOT NULL,
	"line" integer NOT NULL,
	"target_lead_id" integer,
	"name" text DEFAULT '' NOT NULL,
	"phone" text DEFAULT '' NOT NULL,
	"email" text DEFAULT '' NOT NULL,
	"email_key" text DEFAULT '' NOT NULL,
	"extra" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "lead_import_rows_import_id_line_pk" PRIMARY KEY("import_id","line")
);
--> statement-breakpoint
CREATE TABLE "lead_imports" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "lead_imports_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"uploader_id" integer,
	"project_id" integer,
	"file_name" text NOT NULL,
	"stored_name" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"delimiter" text NOT NULL,
	"headers" jsonb NOT NULL,
	"preview" jsonb NOT NULL,
	"mapping" jsonb,
	"default_country" text,
	"duplicates" "lead_import_duplicates" DEFAULT 'skip' NOT NULL,
	"status" "lead_import_status" DEFAULT 'uploaded' NOT NULL,
	"bytes_read" bigint DEFAULT 0 NOT NULL,
	"total_rows" integer DEFAULT 0 NOT NULL,
	"imported" integer DEFAULT 0 NOT NULL,
	"merged" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"rejected" integer DEFAULT 0 NOT NULL,
	"error" text,
	"error_line" integer,
	"rejected_name" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "lead_import_rows" ADD CONSTRAINT "lead_import_rows_import_id_lead_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."lead_imports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_imports" ADD CONSTRAINT "lead_imports_uploader_id_users_id_fk" FOREIGN KEY ("uploader_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_imports" ADD CONSTRAINT "lead_imports_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "lead_import_rows_phone_idx" ON "lead_import_rows" USING btree ("import_id","phone");--> statement-breakpoint
CREATE INDEX "lead_import_rows_email_idx" ON "lead_import_rows" USING btree ("import_id","email_key");--> statement-breakpoint
CREATE UNIQUE INDEX "lead_import_rows_target_uq" ON "lead_import_rows" USING btree ("import_id","target_lead_id");--> statement-breakpoint
CREATE INDEX "lead_imports_status_idx" ON "lead_imports" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "lead_imports_uploader_idx" ON "lead_imports" USING btree ("uploader_id","id");--> statement-breakpoint
CREATE INDEX "leads_project_phone_idx" ON "leads" USING btree ("project_id","phone");--> statement-breakpoint
CREATE INDEX "leads_project_email_idx" ON "leads" USING btree ("project_id",lower("email"));