import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../db/client";
import { auditLog, leadImportRows, leadImports, leads } from "../../../db/schema";
import { createTestDb } from "../../../db/testing";
import { createProject, createStaff, staffCtxFor } from "../../../tests/factories";
import { parseEnv } from "../../env";
import { describeError } from "../../errors";
import { setSingleton } from "../../singleton";
import { getImportOptions, getLeadImport, getRejectedRowsFile, startLeadImport, uploadLeadImport } from "../csv-import";
import { csvCell, storeUpload } from "../csv-import-file";
import { ABANDONED_UPLOAD_MS, IMPORT_BATCH, sweepAbandonedUploads, sweepLeadImports } from "../csv-import-job";

/** CSV lead imports on a real database: upload checks, counts, duplicates, the rejected rows' file, all-or-nothing. */
let h: DbHandle;
let admin: Awaited<ReturnType<typeof createStaff>>;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "occ-csv-import-"));

beforeAll(async () => {
  setSingleton("env", parseEnv({ DATA_DIR: dataDir, SESSION_SECRET: "s".repeat(40) } as unknown as NodeJS.ProcessEnv));
  h = await createTestDb();
  admin = await createStaff(h.db, { role: "admin" });
});
afterAll(async () => {
  await h?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const ctx = () => staffCtxFor(h.db, admin);
const body = (data: string | Uint8Array) => new Response(new Blob([typeof data === "string" ? new TextEncoder().encode(data) : new Uint8Array(data)])).body;

async function upload(data: string | Uint8Array, fileName = "leads.csv", c = ctx()) {
  return (await uploadLeadImport({ ctx: c, input: { fileName }, body: body(data) })).result;
}

async function refused(p: Promise<unknown>) {
  const err = await p.then(
    () => null,
    (e) => e,
  );
  expect(err).not.toBeNull();
  return describeError(err);
}

/** Upload, map, run the job to its end: the finished import. */
async function importCsv(data: string, a: { projectId: number; mapping: string[]; duplicates?: "skip" | "merge"; defaultCountry?: string | null }) {
  const up = await upload(data);
  await startLeadImport({ ctx: ctx(), input: { importId: up.id, projectId: a.projectId, mapping: a.mapping, duplicates: a.duplicates ?? "skip", defaultCountry: a.defaultCountry ?? "GB" } });
  await sweepLeadImports(h.db);
  return getLeadImport({ ctx: ctx(), input: up.id });
}

const projectLeads = (projectId: number) => h.db.select().from(leads).where(eq(leads.projectId, projectId)).orderBy(leads.id);

const FIXTURE = [
  "Name,Phone,Email,Company",
  "Asha,+44 20 7946 0958,asha@example.com,Rao Ltd",
  "Ben,020 7946 0959,,Ben Co",
  "Dup in file,+442079460958,,X",
  "Case dup,,ASHA@Example.com,Y",
  "Old Friend,020 7946 0990,,Z",
  "Bad Phone,12,,",
  "Bad Mail,,not-an-email,",
  "Ragged,+442079460961",
  "Nobody,,,Co",
  '"Multi\nLine",+442079460962,,"Acme\nInc"',
  '"=HYPERLINK(""http://evil"")",,bad@,',
].join("\n");
const MAPPING = ["name", "phone", "email", "extra"];

async function projectWithExistingLead() {
  const project = await createProject(h.db);
  const [existing] = await h.db
    .insert(leads)
    .values({ source: "chat", projectId: project.id, phone: "+442079460990", email: "old@example.com", name: "", extra: { Keep: "yes" } })
    .returning();
  return { project, existing };
}

describe("CSV lead import", () => {
  it("skips duplicates (in the file and against existing leads), rejects bad rows with reasons, and counts every row", async () => {
    const { project, existing } = await projectWithExistingLead();
    const done = await importCsv(FIXTURE, { projectId: project.id, mapping: MAPPING });
    expect(done.status).toBe("done");
    expect(done.counts).toEqual({ total: 11, imported: 3, merged: 0, skipped: 3, rejected: 5 });
    expect(done.progress).toBe(100);

    const rows = await projectLeads(project.id);
    expect(rows.map((l) => [l.source, l.name, l.phone, l.email, l.extra])).toEqual([
      ["chat", "", "+442079460990", "old@example.com", { Keep: "yes" }],
      ["csv", "Asha", "+442079460958", "asha@example.com", { Company: "Rao Ltd" }],
      ["csv", "Ben", "+442079460959", "", { Company: "Ben Co" }],
      ["csv", "Multi\nLine", "+442079460962", "", { Company: "Acme\nInc" }],
    ]);
    expect(rows[0].id).toBe(existing.id);
    // Each lead says which import and line it came from.
    expect(rows[1].externalRef).toBe(`import:${done.id}:2`);
    expect(rows[3].externalRef).toBe(`import:${done.id}:11`);

    const file = await getRejectedRowsFile({ ctx: ctx(), input: done.id });
    expect(file.downloadName).toBe("leads-rejected-rows.csv");
    expect(fs.readFileSync(file.path, "utf8").split("\r\n")).toEqual([
      '"Line","Reason","Name","Phone","Email","Company"',
      '"7","Phone ""12"": This number is too short for United Kingdom (+44).","Bad Phone","12","",""',
      '"8","Email ""not-an-email"": not a valid email address.","Bad Mail","","not-an-email",""',
      `"9","The row has 2 columns; the header has 4.","Ragged","'+442079460961"`,
      '"10","No phone number or email address.","Nobody","","","Co"',
      // A formula is never a formula in the file: an apostrophe goes first (also before a phone's +). Line 14: the row above spans 11–13.
      `"14","Email ""bad@"": not a valid email address.","'=HYPERLINK(""http://evil"")","","bad@",""`,
      "",
    ]);
    // Staging is emptied; the finish is audited with the counts.
    expect((await h.db.select().from(leadImportRows).where(eq(leadImportRows.importId, done.id))).length).toBe(0);
    const [a] = await h.db.select().from(auditLog).where(and(eq(auditLog.action, "lead_import.finish"), eq(auditLog.targetId, String(done.id))));
    expect(a.data).toMatchObject({ imported: 3, skipped: 3, rejected: 5, merged: 0, total: 11 });
  });

  it("merges duplicates when asked: blanks filled, extra data added, nothing overwritten", async () => {
    const { project, existing } = await projectWithExistingLead();
    const done = await importCsv(FIXTURE, { projectId: project.id, mapping: MAPPING, duplicates: "merge" });
    expect(done.counts).toEqual({ total: 11, imported: 3, merged: 3, skipped: 0, rejected: 5 });
    const rows = await projectLeads(project.id);
    expect(rows).toHaveLength(4);
    const [old, asha] = rows;
    expect(old.id).toBe(existing.id);
    expect([old.name, old.phone, old.email, old.extra]).toEqual(["Old Friend", "+442079460990", "old@example.com", { Keep: "yes", Company: "Z" }]);
    // Two later rows folded into Asha's: her name and email stay, the last Company wins.
    expect([asha.name, asha.phone, asha.email, asha.extra]).toEqual(["Asha", "+442079460958", "asha@example.com", { Company: "Y" }]);
  });

  it("a merge that gives a lead its email makes a later row with that email the same lead", async () => {
    const project = await createProject(h.db);
    const [lead] = await h.db.insert(leads).values({ source: "web", projectId: project.id, phone: "+442079460991" }).returning();
    const done = await importCsv("name,phone,email\nXena,020 7946 0991,xena@example.com\nX2,,XENA@example.com\n", { projectId: project.id, mapping: ["name", "phone", "email"], duplicates: "merge" });
    expect(done.counts).toEqual({ total: 2, imported: 0, merged: 2, skipped: 0, rejected: 0 });
    const rows = await projectLeads(project.id);
    expect(rows.map((l) => [l.id, l.name, l.phone, l.email])).toEqual([[lead.id, "Xena", "+442079460991", "xena@example.com"]]);
  });

  it("reads `;` with a BOM and CRLF, and tabs; phones without a prefix follow the default country", async () => {
    const project = await createProject(h.db);
    const semi = await upload("\ufeffname;phone;email\r\nAnn;020 7946 0970;ann@example.com\r\nBo;+1 415 555 2671;\r\n");
    expect(semi.delimiter).toBe(";");
    expect(semi.headers).toEqual(["name", "phone", "email"]);
    expect(semi.preview).toEqual([
      ["Ann", "020 7946 0970", "ann@example.com"],
      ["Bo", "+1 415 555 2671", ""],
    ]);
    await startLeadImport({ ctx: ctx(), input: { importId: semi.id, projectId: project.id, mapping: ["name", "phone", "email"], duplicates: "skip", defaultCountry: "GB" } });
    const tab = await upload("name\tphone\nCy\t(415) 555-2672\n");
    expect(tab.delimiter).toBe("\t");
    await startLeadImport({ ctx: ctx(), input: { importId: tab.id, projectId: project.id, mapping: ["name", "phone"], duplicates: "skip", defaultCountry: "US" } });
    expect(await sweepLeadImports(h.db)).toBe(2);
    expect((await projectLeads(project.id)).map((l) => [l.name, l.phone])).toEqual([
      ["Ann", "+442079460970"],
      ["Bo", "+14155552671"],
      ["Cy", "+14155552672"],
    ]);
  });

  it("refuses a malformed file with its line and imports nothing of it", async () => {
    const project = await createProject(h.db);
    const good = Array.from({ length: 15 }, (_, i) => `Row ${i},+4420794610${String(i).padStart(2, "0")}`);
    // Past the preview's rows, so the upload passes and the job finds it: line 18 opens a quote that never closes.
    const done = await importCsv(["name,phone", ...good, 'Late,+442079461099', '"Broken,+442079461098', "After,+442079461097"].join("\n"), {
      projectId: project.id,
      mapping: ["name", "phone"],
    });
    expect(done.status).toBe("failed");
    expect(done.errorLine).toBe(18);
    expect(done.error).toBe("Line 18: a quoted value starts here and is never closed.");
    expect(done.counts.imported).toBe(0);
    expect(await projectLeads(project.id)).toEqual([]);
    expect((await h.db.select().from(leadImportRows).where(eq(leadImportRows.importId, done.id))).length).toBe(0);

    const quote = await importCsv(["name,phone", ...good, 'Bad "quote" here,+442079461096'].join("\n"), { projectId: project.id, mapping: ["name", "phone"] });
    expect(quote.status).toBe("failed");
    expect(quote.error).toMatch(/^Line 17: a quote inside a value/);
    expect(await projectLeads(project.id)).toEqual([]);
  });

  it("is all or nothing across many batches", async () => {
    const project = await createProject(h.db);
    const n = IMPORT_BATCH * 2 + 7;
    const rows = Array.from({ length: n }, (_, i) => `Lead ${i},user${i}@example.com`);
    const ok = await importCsv(["name,email", ...rows].join("\n"), { projectId: project.id, mapping: ["name", "email"] });
    expect(ok.counts).toEqual({ total: n, imported: n, merged: 0, skipped: 0, rejected: 0 });
    expect(ok.hasRejectedFile).toBe(false);
    await expect(getRejectedRowsFile({ ctx: ctx(), input: ok.id })).rejects.toMatchObject({ code: "not_found" });
    // Run again: every row is now a duplicate of the first run (also across batches).
    const again = await importCsv(["name,email", ...rows.map((r) => r.toUpperCase())].join("\n"), { projectId: project.id, mapping: ["name", "email"] });
    expect(again.counts).toEqual({ total: n, imported: 0, merged: 0, skipped: n, rejected: 0 });
    const failing = await importCsv(["name,email", ...rows.map((r) => r.replace("@", "+new@")), '"Broken,x@example.com'].join("\n"), {
      projectId: project.id,
      mapping: ["name", "email"],
    });
    expect(failing.status).toBe("failed");
    expect(failing.errorLine).toBe(n + 2);
    const [{ count }] = await h.db.select({ count: sql<number>`count(*)::int` }).from(leads).where(eq(leads.projectId, project.id));
    expect(count).toBe(n);
  });

  it("refuses binary, empty, header-only, UTF-16 and non-UTF-8 files at upload, keeping nothing", async () => {
    const before = fs.readdirSync(path.join(dataDir, "imports")).length;
    const importsBefore = (await h.db.select().from(leadImports).where(eq(leadImports.uploaderId, admin.id))).length;
    const cases: [string | Uint8Array, RegExp][] = [
      [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]), /not a text file/],
      ["", /empty/],
      ["\ufeff \n\n", /empty/],
      ["name,phone\n", /no rows of data/],
      [new Uint8Array([0xff, 0xfe, 0x6e, 0x00, 0x61, 0x00]), /UTF-16/],
      // "Name\nJérôme" in Windows-1252.
      [new Uint8Array([0x4e, 0x61, 0x6d, 0x65, 0x0a, 0x4a, 0xe9, 0x72, 0xf4, 0x6d, 0x65, 0x0a]), /not UTF-8/],
      ['name,phone\n"never closed,1\n', /Line 2: a quoted value starts here and is never closed/],
    ];
    for (const [data, message] of cases) {
      const { status, body: b } = await refused(upload(data));
      expect(status).toBe(400);
      expect(b.error.message).toMatch(message);
      expect(b.error.fields?.file).toMatch(message);
    }
    // Over the cap (a small one here): 413, the partial file deleted.
    const big = await refused(storeUpload(body("email\n" + "x@example.com\n".repeat(100)), 1000));
    expect(big.status).toBe(413);
    expect(fs.readdirSync(path.join(dataDir, "imports")).length).toBe(before);
    expect(await h.db.select().from(leadImports).where(eq(leadImports.uploaderId, admin.id))).toHaveLength(importsBefore);
  });

  it("checks the mapping, remembers it for the next upload, and starts an import once", async () => {
    const project = await createProject(h.db);
    const up = await upload("Full name,Mobile,Notes\nDee,+442079460980,hi\n");
    const noContact = await refused(startLeadImport({ ctx: ctx(), input: { importId: up.id, projectId: project.id, mapping: ["name", "ignore", "extra"], duplicates: "skip" } }));
    expect(noContact.status).toBe(400);
    expect(noContact.body.error.fields?.mapping).toMatch(/phone or to email/);
    const wrongLength = await refused(startLeadImport({ ctx: ctx(), input: { importId: up.id, projectId: project.id, mapping: ["phone"], duplicates: "skip" } }));
    expect(wrongLength.body.error.fields?.mapping).toMatch(/3 columns/);
    const badCountry = await refused(startLeadImport({ ctx: ctx(), input: { importId: up.id, projectId: project.id, mapping: ["name", "phone", "extra"], duplicates: "skip", defaultCountry: "XX" } }));
    expect(badCountry.body.error.fields?.defaultCountry).toBeDefined();
    await startLeadImport({ ctx: ctx(), input: { importId: up.id, projectId: project.id, mapping: ["name", "phone", "extra"], duplicates: "merge", defaultCountry: "IN" } });
    const twice = await refused(startLeadImport({ ctx: ctx(), input: { importId: up.id, projectId: project.id, mapping: ["name", "phone", "extra"], duplicates: "merge" } }));
    expect(twice.status).toBe(409);
    const options = await getImportOptions({ ctx: ctx() });
    expect(options.last).toEqual({ projectId: project.id, defaultCountry: "IN", duplicates: "merge", fieldsByHeader: { "full name": "name", mobile: "phone", notes: "extra" } });
    expect(options.projects.some((p) => p.id === project.id)).toBe(true);
    await sweepLeadImports(h.db);
  });

  it("is for admins and managers only", async () => {
    const manager = await createStaff(h.db, { role: "manager" });
    expect((await upload("email\nm@example.com\n", "m.csv", staffCtxFor(h.db, manager))).status).toBe("uploaded");
    const up = await upload("email\nq@example.com\n");
    for (const role of ["agent", "qa"] as const) {
      const who = staffCtxFor(h.db, await createStaff(h.db, { role, crmEnabled: true, liveChatEnabled: true }));
      expect((await refused(upload("email\na@example.com\n", "x.csv", who))).status).toBe(403);
      expect((await refused(getLeadImport({ ctx: who, input: up.id }))).status).toBe(403);
      expect((await refused(getImportOptions({ ctx: who }))).status).toBe(403);
      expect((await refused(startLeadImport({ ctx: who, input: { importId: up.id, projectId: 1, mapping: ["email"], duplicates: "skip" } }))).status).toBe(403);
    }
  });

  it("gives up an upload nobody started after a day: its file goes, the import says why and can't be started", async () => {
    const kept = await upload("email\nkeep@example.com\n");
    const left = await upload("email\nleft@example.com\n");
    const [row] = await h.db.select().from(leadImports).where(eq(leadImports.id, left.id));
    const file = path.join(dataDir, "imports", row.storedName);
    expect(fs.existsSync(file)).toBe(true);
    const at = new Date(row.updatedAt.getTime() + ABANDONED_UPLOAD_MS + 1000);
    // The one uploaded just now (kept) is younger than a day at `at` only if it was uploaded after `left`: age it apart.
    await h.db.update(leadImports).set({ updatedAt: at }).where(eq(leadImports.id, kept.id));
    expect(await sweepAbandonedUploads(h.db, at)).toBeGreaterThanOrEqual(1);
    expect(fs.existsSync(file)).toBe(false);
    const after = await getLeadImport({ ctx: ctx(), input: left.id });
    expect(after.status).toBe("failed");
    expect(after.error).toMatch(/never started/);
    expect((await getLeadImport({ ctx: ctx(), input: kept.id })).status).toBe("uploaded");
    const project = await createProject(h.db);
    const err = await refused(startLeadImport({ ctx: ctx(), input: { importId: left.id, projectId: project.id, mapping: ["email"], duplicates: "skip" } }));
    expect(err.status).toBeGreaterThanOrEqual(400);
    expect(err.status).toBeLessThan(500);
  });

  it("writes CSV cells RFC 4180-quoted and formula-safe", () => {
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"');
    for (const f of ["=1+1", "+1", "-1", "@SUM(A1)", "\tx"]) expect(csvCell(f)).toBe(`"'${f}"`);
  });
});
