import { desc, eq } from "drizzle-orm";
import { z } from "zod";
import { conversations, leadNotes, users, visitorAttributions } from "../../db/schema";
import { can } from "../auth/permissions";
import { canRead, canWrite } from "../chat/access";
import type { StaffCtx } from "../ctx";
import { DbId } from "../validation";
import { getLeadOrThrow } from "./lead-access";
import { NOTES_SHOWN, type LeadDetailDTO, type LeadNoteDTO } from "./leads-shared";
import { loadLeadRow } from "./list-leads";

export const GetLeadInput = z.object({ leadId: DbId });

/**
 * One lead for its detail view: the row, its attribution (the IP only for
 * those who may see visitors' IPs), its extra form fields, the linked chat
 * (and whether this viewer may open it) and the note trail, newest
 * NOTES_SHOWN. `canEdit` / `canSetStage` say what the server would accept.
 */
export async function getLead({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<LeadDetailDTO> {
  const { leadId } = GetLeadInput.parse(input);
  const lead = await getLeadOrThrow(ctx, leadId, "read");
  const [row, attribution, notes, chat] = await Promise.all([
    loadLeadRow(ctx.db, lead.id),
    lead.attributionId ? ctx.db.select().from(visitorAttributions).where(eq(visitorAttributions.id, lead.attributionId)).limit(1) : Promise.resolve([]),
    ctx.db
      .select({ id: leadNotes.id, body: leadNotes.body, authorId: leadNotes.authorId, authorName: users.displayName, createdAt: leadNotes.createdAt })
      .from(leadNotes)
      .leftJoin(users, eq(users.id, leadNotes.authorId))
      .where(eq(leadNotes.leadId, lead.id))
      .orderBy(desc(leadNotes.createdAt), desc(leadNotes.id))
      .limit(NOTES_SHOWN + 1),
    lead.conversationId ? ctx.db.select().from(conversations).where(eq(conversations.id, lead.conversationId)).limit(1) : Promise.resolve([]),
  ]);
  let attr: LeadDetailDTO["attribution"] = null;
  if (attribution[0]) {
    const { id: _id, visitorId: _v, ip, userAgent: _ua, createdAt, ...rest } = attribution[0];
    attr = { ...rest, capturedAt: createdAt.toISOString(), ...(can(ctx.actor, "visitor.view_ip") ? { ip } : {}) };
  }
  const c = chat[0];
  const editable = can(ctx.actor, "crm.edit");
  return {
    lead: row,
    attribution: attr,
    extra: lead.extra,
    chat: c ? { id: c.id, canOpen: canRead(ctx.actor, c) } : null,
    notes: notes.slice(0, NOTES_SHOWN).reverse().map(
      (n): LeadNoteDTO => ({ id: n.id, body: n.body, authorId: n.authorId, authorName: n.authorName, createdAt: n.createdAt.toISOString() }),
    ),
    notesMore: notes.length > NOTES_SHOWN,
    canEdit: editable,
    canSetStage: editable && (c ? can(ctx.actor, "chat.lead_stage") && canWrite(ctx.actor, c) : true),
  };
}

