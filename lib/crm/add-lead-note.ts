import { eq } from "drizzle-orm";
import { z } from "zod";
import { leadNotes, users } from "../../db/schema";
import { audit } from "../audit";
import { withTransaction, type StaffCtx } from "../ctx";
import { DbId } from "../validation";
import { effects, type VerbResult } from "../verb";
import { getLeadOrThrow } from "./lead-access";
import { NOTE_MAX, type LeadNoteDTO } from "./leads-shared";

export const AddLeadNoteInput = z.object({
  leadId: DbId,
  body: z.string().trim().min(1, "Write the note first.").max(NOTE_MAX, `Use at most ${NOTE_MAX} characters.`),
});

/**
 * Add a note to a lead's trail, signed by its author and timed. The trail
 * is append-only (product brief: "every agent interaction is attributable"):
 * there is no verb, route or UI that edits or deletes a note.
 */
export async function addLeadNote({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<LeadNoteDTO>> {
  const data = AddLeadNoteInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const lead = await getLeadOrThrow(tx, data.leadId, "write");
    const [note] = await tx.db.insert(leadNotes).values({ leadId: lead.id, authorId: ctx.actor.userId, body: data.body, createdAt: ctx.now }).returning();
    await audit(tx, "lead.note", { type: "lead", id: lead.id }, { noteId: note.id });
    const [author] = await tx.db.select({ name: users.displayName }).from(users).where(eq(users.id, ctx.actor.userId));
    return {
      result: { id: note.id, body: note.body, authorId: note.authorId, authorName: author?.name ?? null, createdAt: note.createdAt.toISOString() },
      effects: effects(),
    };
  });
}
