-- Every chat is a lead (source "chat"): chats started before this migration get theirs,
-- with the chat's stage, attribution and the visitor's contact, dated at the chat's start.
INSERT INTO "leads" ("source", "project_id", "conversation_id", "visitor_id", "name", "phone", "email", "stage", "attribution_id", "created_at", "updated_at")
SELECT 'chat', c."project_id", c."id", c."visitor_id", v."name", v."phone", v."email", c."lead_stage", c."attribution_id", c."created_at", c."created_at"
FROM "conversations" c
JOIN "visitors" v ON v."id" = c."visitor_id"
WHERE NOT EXISTS (SELECT 1 FROM "leads" l WHERE l."conversation_id" = c."id");
