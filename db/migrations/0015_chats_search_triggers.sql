-- conversations.visitor_search is the visitor's name, lowercased, wherever a conversation is written from
-- (the contact form, tests, imports): set on insert, and following a visitor's rename.
-- Byte order ("C"): a name prefix is then a plain range the planner can estimate from the column's
-- histogram, so a broad prefix walks conversations_last_search_idx newest-first (index only) and a
-- narrow one takes conversations_visitor_search_idx. Under the database's own collation it can't
-- estimate a pattern range and always took the prefix index (all 5,000 chats of "First123", sorted).
ALTER TABLE "conversations" ALTER COLUMN "visitor_search" TYPE text COLLATE "C";
--> statement-breakpoint
UPDATE "conversations" c SET "visitor_search" = lower(v."name") FROM "visitors" v WHERE v."id" = c."visitor_id";
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "conversations_set_visitor_search"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT lower("name") INTO NEW."visitor_search" FROM "visitors" WHERE "id" = NEW."visitor_id";
  NEW."visitor_search" := coalesce(NEW."visitor_search", '');
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "conversations_visitor_search" BEFORE INSERT OR UPDATE OF "visitor_id" ON "conversations"
  FOR EACH ROW EXECUTE FUNCTION "conversations_set_visitor_search"();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "visitors_follow_name"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "conversations" SET "visitor_search" = lower(NEW."name") WHERE "visitor_id" = NEW."id";
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "visitors_name_search" AFTER UPDATE OF "name" ON "visitors"
  FOR EACH ROW WHEN (OLD."name" IS DISTINCT FROM NEW."name") EXECUTE FUNCTION "visitors_follow_name"();
