import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { auditLog, conversations, leadNotes, leads } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createConversation, createProject, createStaff, staffCtxFor } from "../../../tests/factories";
import { forgetTableTotals } from "../../console/cached-total";
import { csvField, csvRow } from "../../console/csv";
import { addLeadNote } from "../add-lead-note";
import { followUpsDue } from "../follow-ups";
import { getLead } from "../get-lead";
import * as crm from "../index";
import { exportLeadsCsv, listLeads } from "../list-leads";
import { setLeadStageOfLead } from "../set-lead-stage-of-lead";
import { updateLead } from "../update-lead";

let h: DbHandle;
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(async () => {
  await h?.close();
});

type LeadInsert = typeof leads.$inferInsert;
const T0 = Date.parse("2026-11-01T10:00:00Z");

async function insertLead(over: Partial<LeadInsert> & { projectId: number }) {
  const [row] = await h.db
    .insert(leads)
    .values({ source: "web", name: "Lead", phone: "+447700900000", email: "lead@example.test", ...over })
    .returning();
  return row;
}

const admin = () => createStaff(h.db, { role: "admin" });

describe("listLeads", () => {
  it("pages newest first with keyset cursors both ways and says X–Y of Z", async () => {
    const p = await createProject(h.db);
    const a = staffCtxFor(h.db, await admin());
    for (let i = 0; i < 45; i++) await insertLead({ projectId: p.id, name: `L${String(i).padStart(2, "0")}`, createdAt: new Date(T0 + i * 60_000) });
    const first = await listLeads({ ctx: a, input: { project: String(p.id) } });
    expect(first).toMatchObject({ total: 45, from: 1, prev: null });
    expect(first.items.map((r) => r.name).slice(0, 2)).toEqual(["L44", "L43"]);
    expect(first.items).toHaveLength(20);
    const second = await listLeads({ ctx: a, input: { project: String(p.id), after: first.next } });
    expect(second.from).toBe(21);
    expect(second.items[0].name).toBe("L24");
    const third = await listLeads({ ctx: a, input: { project: String(p.id), after: second.next } });
    expect(third).toMatchObject({ from: 41, next: null });
    expect(third.items.map((r) => r.name)).toEqual(["L04", "L03", "L02", "L01", "L00"]);
    // Back again: the same rows and labels as on the way forward.
    const back = await listLeads({ ctx: a, input: { project: String(p.id), before: third.prev } });
    expect(back.from).toBe(21);
    expect(back.items.map((r) => r.name)).toEqual(second.items.map((r) => r.name));
    const home = await listLeads({ ctx: a, input: { project: String(p.id), before: back.prev } });
    expect(home).toMatchObject({ from: 1, prev: null });
    expect(home.items.map((r) => r.id)).toEqual(first.items.map((r) => r.id));
    const fifty = await listLeads({ ctx: a, input: { project: String(p.id), limit: "50" } });
    expect(fifty).toMatchObject({ from: 1, next: null });
    expect(fifty.items).toHaveLength(45);
  });

  it("filters by source, stage, assignee, created range, follow-up and search", async () => {
    const p = await createProject(h.db);
    const boss = await admin();
    const a = staffCtxFor(h.db, boss);
    const agent = await createStaff(h.db, { crmEnabled: true });
    const day = (d: string) => new Date(`2026-11-${d}T12:00:00Z`);
    const csv = await insertLead({ projectId: p.id, source: "csv", name: "Carla Csv", createdAt: day("02") });
    const sheet = await insertLead({ projectId: p.id, source: "sheet", name: "Sam Sheet", stage: "qualified", createdAt: day("03"), assigneeId: agent.id });
    const web = await insertLead({ projectId: p.id, source: "web", name: "Wendy Web", email: "wendy@shop.test", phone: "+4915112345678", followUpOn: "2026-11-10", createdAt: day("04") });
    const due = await insertLead({ projectId: p.id, source: "web", name: "Olaf Overdue", followUpOn: "2026-11-05", createdAt: day("05") });
    const later = await insertLead({ projectId: p.id, source: "web", name: "Luis Later", followUpOn: "2026-11-20", createdAt: day("06") });
    const ids = async (input: Record<string, string>) => (await listLeads({ ctx: a, input: { project: String(p.id), ...input } })).items.map((r) => r.id).sort((x, y) => x - y);
    expect(await ids({ source: "csv" })).toEqual([csv.id]);
    expect(await ids({ source: "sheet" })).toEqual([sheet.id]);
    expect(await ids({ source: "web" })).toEqual([web.id, due.id, later.id]);
    expect(await ids({ stage: "qualified" })).toEqual([sheet.id]);
    expect(await ids({ assignee: String(agent.id) })).toEqual([sheet.id]);
    expect(await ids({ assignee: "none" })).toEqual([csv.id, web.id, due.id, later.id]);
    expect(await ids({ from: "2026-11-03T00:00:00Z", to: "2026-11-05T00:00:00Z" })).toEqual([sheet.id, web.id]);
    expect(await ids({ followUp: "today", today: "2026-11-10" })).toEqual([web.id]);
    expect(await ids({ followUp: "overdue", today: "2026-11-10" })).toEqual([due.id]);
    expect(await ids({ followUp: "due", today: "2026-11-10" })).toEqual([web.id, due.id]);
    expect(await ids({ followFrom: "2026-11-06", followTo: "2026-11-30" })).toEqual([web.id, later.id]);
    expect(await ids({ q: "wEnDy" })).toEqual([web.id]);
    expect(await ids({ q: "wendy@shop" })).toEqual([web.id]);
    expect(await ids({ q: "+49 151 123" })).toEqual([web.id]);
    // LIKE wildcards are searched for literally.
    expect(await ids({ q: "%" })).toEqual([]);
    // The total follows the filter.
    expect((await listLeads({ ctx: a, input: { project: String(p.id), source: "web" } })).total).toBe(3);
  });

  it("refuses malformed filters and cursors with a 400, never a query", async () => {
    const a = staffCtxFor(h.db, await admin());
    for (const input of [{ source: "fax" }, { stage: "hot" }, { followUp: "soon" }, { today: "2026-13-45" }, { after: "!!" }, { limit: "25" }, { from: "2026-11-05T00:00:00Z", to: "2026-11-01T00:00:00Z" }]) {
      await expect(listLeads({ ctx: a, input }), JSON.stringify(input)).rejects.toMatchObject({ name: "ZodError" });
    }
  });
});

describe("who sees which leads", () => {
  it("an agent sees the leads of chats assigned to them and the leads assigned to them, nothing else", async () => {
    const p = await createProject(h.db);
    const agent = await createStaff(h.db, { crmEnabled: true });
    const mate = await createStaff(h.db, { crmEnabled: true });
    const mine = await createConversation(h.db, { projectId: p.id, assigneeId: agent.id });
    const theirs = await createConversation(h.db, { projectId: p.id, assigneeId: mate.id });
    const chatLead = await insertLead({ projectId: p.id, source: "chat", conversationId: mine.conversation.id });
    const assigned = await insertLead({ projectId: p.id, source: "csv", assigneeId: agent.id });
    const otherChat = await insertLead({ projectId: p.id, source: "chat", conversationId: theirs.conversation.id });
    const unassigned = await insertLead({ projectId: p.id, source: "web" });
    const ctx = staffCtxFor(h.db, agent);
    const page = await listLeads({ ctx, input: { project: String(p.id) } });
    expect(page.items.map((r) => r.id).sort((x, y) => x - y)).toEqual([chatLead.id, assigned.id]);
    expect(page.total).toBe(2);
    expect((await getLead({ ctx, input: { leadId: assigned.id } })).lead.id).toBe(assigned.id);
    for (const hidden of [otherChat, unassigned]) {
      await expect(getLead({ ctx, input: { leadId: hidden.id } })).rejects.toMatchObject({ code: "not_found" });
      await expect(addLeadNote({ ctx, input: { leadId: hidden.id, body: "hi" } })).rejects.toMatchObject({ code: "not_found" });
    }
    // The manager sees all four.
    const manager = staffCtxFor(h.db, await createStaff(h.db, { role: "manager" }));
    expect((await listLeads({ ctx: manager, input: { project: String(p.id) } })).total).toBe(4);
    // Follow-ups follow the same scope.
    await h.db.update(leads).set({ followUpOn: "2026-11-01" });
    const due = await followUpsDue({ ctx, input: { today: "2026-11-02" } });
    expect(due.items.map((i) => i.id).sort((x, y) => x - y)).toEqual([chatLead.id, assigned.id]);
    expect(due.items.every((i) => i.overdue)).toBe(true);
  });

  it("an agent without the CRM toggle is refused everything", async () => {
    const off = await createStaff(h.db, { crmEnabled: false });
    const p = await createProject(h.db);
    const lead = await insertLead({ projectId: p.id, assigneeId: off.id });
    const ctx = staffCtxFor(h.db, off);
    await expect(listLeads({ ctx, input: {} })).rejects.toMatchObject({ code: "forbidden" });
    await expect(getLead({ ctx, input: { leadId: lead.id } })).rejects.toMatchObject({ code: "forbidden" });
    await expect(followUpsDue({ ctx, input: {} })).rejects.toMatchObject({ code: "forbidden" });
    expect(() => exportLeadsCsv({ ctx, input: {} })).toThrow(expect.objectContaining({ code: "forbidden" }));
  });

  it("QA reads every lead and writes nothing", async () => {
    const qa = staffCtxFor(h.db, await createStaff(h.db, { role: "qa" }));
    const p = await createProject(h.db);
    const { conversation } = await createConversation(h.db, { projectId: p.id });
    const lead = await insertLead({ projectId: p.id, source: "chat", conversationId: conversation.id });
    const page = await listLeads({ ctx: qa, input: { project: String(p.id) } });
    expect(page).toMatchObject({ total: 1, canEdit: false });
    const detail = await getLead({ ctx: qa, input: { leadId: lead.id } });
    expect(detail).toMatchObject({ canEdit: false, canSetStage: false });
    const version = lead.updatedAt.toISOString();
    await expect(updateLead({ ctx: qa, input: { leadId: lead.id, version, finalRemark: "x" } })).rejects.toMatchObject({ code: "forbidden" });
    await expect(setLeadStageOfLead({ ctx: qa, input: { leadId: lead.id, stage: "qualified" } })).rejects.toMatchObject({ code: "forbidden" });
    await expect(addLeadNote({ ctx: qa, input: { leadId: lead.id, body: "x" } })).rejects.toMatchObject({ code: "forbidden" });
    const [after] = await h.db.select().from(leads).where(eq(leads.id, lead.id));
    expect(after).toEqual(lead);
    expect(await h.db.select().from(leadNotes).where(eq(leadNotes.leadId, lead.id))).toEqual([]);
  });
});

describe("stage, edits and notes", () => {
  it("a stage set from the CRM on a chat's lead is the chat's stage (one verb, its effects)", async () => {
    const a = staffCtxFor(h.db, await admin());
    const { conversation, projectId } = await createConversation(h.db);
    const lead = await insertLead({ projectId, source: "chat", conversationId: conversation.id });
    const { result, effects } = await setLeadStageOfLead({ ctx: a, input: { leadId: lead.id, stage: "converted" } });
    expect(result.stage).toBe("converted");
    expect(effects.conversations).toEqual([{ id: conversation.id }]);
    const [c] = await h.db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(c.leadStage).toBe("converted");
    const rows = await h.db.select().from(auditLog).where(and(eq(auditLog.action, "conversation.lead_stage"), eq(auditLog.targetId, String(conversation.id))));
    expect(rows).toHaveLength(1);
  });

  it("an agent may not re-stage a chat lead whose chat isn't theirs, even when the lead is assigned to them", async () => {
    const agent = await createStaff(h.db, { crmEnabled: true });
    const mate = await createStaff(h.db);
    const { conversation, projectId } = await createConversation(h.db, { assigneeId: mate.id });
    const lead = await insertLead({ projectId, source: "chat", conversationId: conversation.id, assigneeId: agent.id });
    const ctx = staffCtxFor(h.db, agent);
    expect((await getLead({ ctx, input: { leadId: lead.id } })).canSetStage).toBe(false);
    await expect(setLeadStageOfLead({ ctx, input: { leadId: lead.id, stage: "qualified" } })).rejects.toMatchObject({ code: "forbidden" });
    const [c] = await h.db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(c.leadStage).toBe("new");
  });

  it("a web lead's stage is written on the lead, audited, with a new version", async () => {
    const a = staffCtxFor(h.db, await admin());
    const p = await createProject(h.db);
    const lead = await insertLead({ projectId: p.id });
    const { result, effects } = await setLeadStageOfLead({ ctx: a, input: { leadId: lead.id, stage: "qualified" } });
    expect(result.stage).toBe("qualified");
    expect(result.updatedAt).not.toBe(lead.updatedAt.toISOString());
    expect(effects.conversations).toEqual([]);
    expect(await h.db.select().from(auditLog).where(and(eq(auditLog.action, "lead.stage"), eq(auditLog.targetId, String(lead.id))))).toHaveLength(1);
    await expect(setLeadStageOfLead({ ctx: a, input: { leadId: lead.id, stage: "hot" } })).rejects.toMatchObject({ name: "ZodError" });
  });

  it("a stage change answers the browser's lead event (null when nothing changed); Converted keeps the deal value", async () => {
    const a = staffCtxFor(h.db, await admin());
    const p = await createProject(h.db);
    const lead = await insertLead({ projectId: p.id, email: "Lead@Example.test" });
    const { leadEvent } = await setLeadStageOfLead({ ctx: a, input: { leadId: lead.id, stage: "converted", value: 1250.5, currency: "eur" } });
    expect(leadEvent).toMatchObject({ event: "lead_stage_changed", stage: "converted", lead_id: lead.id, project: p.slug, value: 1250.5, currency: "EUR", em: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const [row] = await h.db.select().from(leads).where(eq(leads.id, lead.id));
    expect([row.dealValue, row.dealCurrency]).toEqual(["1250.50", "EUR"]);
    expect((await setLeadStageOfLead({ ctx: a, input: { leadId: lead.id, stage: "converted" } })).leadEvent).toBeNull();
    await expect(setLeadStageOfLead({ ctx: a, input: { leadId: lead.id, stage: "qualified", value: 5 } })).rejects.toMatchObject({ name: "ZodError" });
  });

  it("edits are conflict-safe: a stale version is a 409 and changes nothing", async () => {
    const boss = await admin();
    const a = staffCtxFor(h.db, boss);
    const agent = await createStaff(h.db, { crmEnabled: true });
    const p = await createProject(h.db);
    const lead = await insertLead({ projectId: p.id });
    const v0 = lead.updatedAt.toISOString();
    // Same clock for both edits: versions still differ.
    const now = new Date(lead.updatedAt.getTime());
    const ctx = { ...a, now };
    const { result: r1 } = await updateLead({ ctx, input: { leadId: lead.id, version: v0, followUpOn: "2026-12-24", finalRemark: "  Call after lunch  ", assigneeId: agent.id } });
    expect(r1).toMatchObject({ followUpOn: "2026-12-24", finalRemark: "Call after lunch", assigneeId: agent.id, assigneeName: agent.displayName });
    expect(r1.updatedAt).not.toBe(v0);
    await expect(updateLead({ ctx, input: { leadId: lead.id, version: v0, finalRemark: "Mine wins?" } })).rejects.toMatchObject({ code: "conflict" });
    const { result: r2 } = await updateLead({ ctx, input: { leadId: lead.id, version: r1.updatedAt, followUpOn: null, assigneeId: null } });
    expect(r2).toMatchObject({ followUpOn: null, assigneeId: null, finalRemark: "Call after lunch" });
    const audits = await h.db.select().from(auditLog).where(and(eq(auditLog.action, "lead.update"), eq(auditLog.targetId, String(lead.id))));
    expect(audits).toHaveLength(2);
    expect(audits[0].data).toMatchObject({ finalRemark: { from: "", to: "Call after lunch" } });
    // Only someone who may work on leads can hold one.
    const noCrm = await createStaff(h.db, { crmEnabled: false });
    await expect(updateLead({ ctx: a, input: { leadId: lead.id, version: r2.updatedAt, assigneeId: noCrm.id } })).rejects.toMatchObject({ code: "bad_request" });
    const qa = await createStaff(h.db, { role: "qa" });
    await expect(updateLead({ ctx: a, input: { leadId: lead.id, version: r2.updatedAt, assigneeId: qa.id } })).rejects.toMatchObject({ code: "bad_request" });
    await expect(updateLead({ ctx: a, input: { leadId: lead.id, version: r2.updatedAt } })).rejects.toMatchObject({ name: "ZodError" });
    await expect(updateLead({ ctx: a, input: { leadId: lead.id, version: r2.updatedAt, finalRemark: "x".repeat(2001) } })).rejects.toMatchObject({ name: "ZodError" });
  });

  it("notes are appended, signed and timed; there is no way to edit or delete one", async () => {
    const boss = await admin();
    const a = staffCtxFor(h.db, boss);
    const p = await createProject(h.db);
    const lead = await insertLead({ projectId: p.id });
    await addLeadNote({ ctx: { ...a, now: new Date(T0) }, input: { leadId: lead.id, body: "Called, no answer" } });
    const { result } = await addLeadNote({ ctx: { ...a, now: new Date(T0 + 1000) }, input: { leadId: lead.id, body: "  Sent brochure  " } });
    expect(result).toMatchObject({ body: "Sent brochure", authorId: boss.id, authorName: boss.displayName, createdAt: new Date(T0 + 1000).toISOString() });
    const detail = await getLead({ ctx: a, input: { leadId: lead.id } });
    expect(detail.notes.map((n) => n.body)).toEqual(["Called, no answer", "Sent brochure"]);
    await expect(addLeadNote({ ctx: a, input: { leadId: lead.id, body: "   " } })).rejects.toMatchObject({ name: "ZodError" });
    expect(await h.db.select().from(auditLog).where(and(eq(auditLog.action, "lead.note"), eq(auditLog.targetId, String(lead.id))))).toHaveLength(2);
    // Append-only by construction: no note verb but addLeadNote, and the notes route answers POST only.
    expect(Object.keys(crm).filter((k) => /note/i.test(k)).sort()).toEqual(["AddLeadNoteInput", "addLeadNote"]);
    const notesDir = join(process.cwd(), "app/api/crm/leads/[id]/notes");
    expect(readdirSync(notesDir)).toEqual(["route.ts"]);
    const route = await import("../../../app/api/crm/leads/[id]/notes/route");
    expect(Object.keys(route)).toEqual(["POST"]);
    expect(existsSync(join(notesDir, "[noteId]"))).toBe(false);
  });
});

describe("CSV export", () => {
  it("escapes per RFC 4180 and disarms formulas", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
    expect(csvField("=HYPERLINK(\"http://evil\")")).toBe('"\'=HYPERLINK(""http://evil"")"');
    for (const s of ["+447700900000", "-2+3", "@SUM(A1)", "\tcmd"]) expect(csvField(s)).toBe(`'${s}`);
    expect(csvField(null)).toBe("");
    expect(csvField(42)).toBe("42");
    expect(csvRow(["a", "b,c"])).toBe('a,"b,c"\r\n');
  });

  it("streams the current filter in chunks, newest first", async () => {
    const a = staffCtxFor(h.db, await admin());
    const p = await createProject(h.db, { title: "Export, Inc." });
    await h.db.insert(leads).values(Array.from({ length: 1205 }, (_, i) => ({ source: "csv" as const, projectId: p.id, name: `N${i}`, createdAt: new Date(T0 + i * 1000) })));
    await insertLead({ projectId: p.id, source: "web", name: '=cmd|" /C calc"!A0', phone: "+15550001", finalRemark: "line1\nline2", createdAt: new Date(T0 - 1000) });
    const text = async (input: Record<string, string>) => new Response(exportLeadsCsv({ ctx: a, input }).body).text();
    const all = await text({ project: String(p.id) });
    const lines = all.split("\r\n");
    expect(lines[0]).toBe("ID,Created,Source,Project,Name,Phone,Email,Stage,Follow-up,Final remark,Assignee,Chat ID");
    // 1205 + 1 leads, the header, and the empty string after the last CRLF; the remark's LF stays inside its quotes.
    expect(lines).toHaveLength(1208);
    expect(lines[1]).toContain(",N1204,");
    expect(lines[1]).toContain(',"Export, Inc.",');
    expect(lines[1206]).toContain(`,"'=cmd|"" /C calc""!A0",'+15550001,`);
    expect(lines[1206]).toContain(',"line1\nline2",');
    const web = await text({ project: String(p.id), source: "web" });
    expect(web.split("\r\n")).toHaveLength(3);
    expect(() => exportLeadsCsv({ ctx: a, input: { stage: "hot" } })).toThrow();
    forgetTableTotals(h.db, "leads");
  });
});
