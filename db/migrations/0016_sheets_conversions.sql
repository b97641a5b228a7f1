CREATE TYPE "public"."conversion_platform" AS ENUM('meta', 'ga4');--> statement-breakpoint
CREATE TYPE "public"."conversion_status" AS ENUM('queued', 'sent', 'failed', 'expired');--> statement-breakpoint
CREATE TABLE "conversion_configs" (
	"project_id" integer PRIMARY KEY NOT NULL,
	"meta_enabled" boolean DEFAULT false NOT NULL,
	"meta_pixel_id" text,
	"meta_access_token_sealed" text,
	"meta_access_token_last4" text,
	"meta_test_event_code" text,
	"ga4_enabled" boolean DEFAULT false NOT NULL,
	"ga4_measurement_id" text,
	"ga4_api_secret_sealed" text,
	"ga4_api_secret_last4" text,
	"meta_event_names" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_by_id" integer,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "conversion_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "conversion_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"event_id" text NOT NULL,
	"platform" "conversion_platform" NOT NULL,
	"project_id" integer,
	"lead_id" integer,
	"stage" "lead_stage" NOT NULL,
	"event_name" text NOT NULL,
	"payload" jsonb NOT NULL,
	"test" boolean DEFAULT false NOT NULL,
	"status" "conversion_status" DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"response_code" integer,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"sent_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "visitor_attributions" ADD COLUMN "fbp" text;--> statement-breakpoint
ALTER TABLE "visitor_attributions" ADD COLUMN "fbc" text;--> statement-breakpoint
ALTER TABLE "visitor_attributions" ADD COLUMN "ga_client_id" text;--> statement-breakpoint
ALTER TABLE "visitor_attributions" ADD COLUMN "ga_session_id" text;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "deal_value" numeric(14, 2);--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "deal_currency" text;--> statement-breakpoint
ALTER TABLE "sheet_sources" ADD COLUMN "last_error_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "sheet_sources" ADD COLUMN "rows_imported" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sheet_sources" ADD COLUMN "consecutive_failures" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sheet_sources" ADD COLUMN "next_poll_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "sheet_sources" ADD COLUMN "headers" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "conversion_configs" ADD CONSTRAINT "conversion_configs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversion_configs" ADD CONSTRAINT "conversion_configs_updated_by_id_users_id_fk" FOREIGN KEY ("updated_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversion_events" ADD CONSTRAINT "conversion_events_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversion_events" ADD CONSTRAINT "conversion_events_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "conversion_events_event_platform_uq" ON "conversion_events" USING btree ("event_id","platform");--> statement-breakpoint
CREATE INDEX "conversion_events_due_idx" ON "conversion_events" USING btree ("next_attempt_at","id") WHERE "conversion_events"."status" = 'queued';--> statement-breakpoint
CREATE INDEX "conversion_events_project_created_idx" ON "conversion_events" USING btree ("project_id","created_at","id");--> statement-breakpoint
CREATE INDEX "conversion_events_created_idx" ON "conversion_events" USING btree ("created_at","id");