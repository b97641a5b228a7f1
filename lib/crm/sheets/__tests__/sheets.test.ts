import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DbHandle } from "../../../../db/client";
import { auditLog, leads, settings, sheetSources } from "../../../../db/schema";
import { createTestDb } from "../../../../db/testing";
import { createProject, createStaff, staffCtxFor } from "../../../../tests/factories";
import { parseEnv } from "../../../env";
import { describeError } from "../../../errors";
import { setSingleton } from "../../../singleton";
import { backoffMs, MAX_BACKOFF_MS, pollSheetSource, sweepSheetSources } from "../poller";
import { readSheetHeaders } from "../read-headers";
import { clearServiceAccountKey, getServiceAccount, loadServiceAccountKey, setServiceAccountKey } from "../service-account";
import { headerRange, parseSpreadsheetId } from "../sheet-ref";
import { createSheetSource, deleteSheetSource, listSheetSources, pollSheetSourceNow, updateSheetSource } from "../sources";
import { startFakeSheets, type FakeSheets } from "./fake-sheets";

/**
 * Google Sheets lead sources on a real database, read through googleapis
 * (JWT and all) from a fake Sheets server on 127.0.0.1: new rows, rows
 * inserted above, a restart, bad rows, Google's errors and the backoff.
 */
let h: DbHandle;
let fake: FakeSheets;
let admin: Awaited<ReturnType<typeof createStaff>>;
let projectId: number;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "occ-sheets-"));
const SHEET_ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEF";
const HEADER = ["Name", "Phone", "Email", "Budget"];

const setEnv = (over: Record<string, string> = {}) =>
  setSingleton("env", parseEnv({ DATA_DIR: dataDir, SESSION_SECRET: "s".repeat(40), GOOGLE_SHEETS_ROOT_URL: fake.url, GOOGLE_TOKEN_URL: `${fake.url}/token`, ...over } as unknown as NodeJS.ProcessEnv));

beforeAll(async () => {
  fake = await startFakeSheets();
  setEnv();
  h = await createTestDb();
  admin = await createStaff(h.db, { role: "admin" });
  projectId = (await createProject(h.db)).id;
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const ctx = (now = new Date()) => staffCtxFor(h.db, admin, now);

async function refused(p: Promise<unknown>) {
  const err = await p.then(
    () => null,
    (e) => e,
  );
  expect(err).not.toBeNull();
  return describeError(err);
}

const MAPPING = { Name: "name", Phone: "phone", Email: "email", Budget: "extra" } as const;

async function newSource(over: Record<string, unknown> = {}) {
  return (await createSheetSource({ ctx: ctx(), input: { name: "Leads sheet", sheet: `https://docs.google.com/spreadsheets/d/${SHEET_ID}/edit#gid=0`, projectId, mapping: MAPPING, ...over } })).result;
}
const sourceRow = async (id: number) => (await h.db.select().from(sheetSources).where(eq(sheetSources.id, id)))[0];
const sourceLeads = (id: number) => h.db.select().from(leads).where(and(eq(leads.source, "sheet"), eq(leads.sheetSourceId, id))).orderBy(leads.id);
/** Poll one source as the sweeper would, at `now` (due regardless of its schedule). */
const poll = async (id: number, now = new Date()) => pollSheetSource(h.db, await sourceRow(id), { now, rootUrl: fake.url });

describe("sheet references", () => {
  it("takes a sheet URL or a bare ID, and refuses anything else with a field error", async () => {
    expect(parseSpreadsheetId(`https://docs.google.com/spreadsheets/d/${SHEET_ID}/edit#gid=0`)).toBe(SHEET_ID);
    expect(parseSpreadsheetId(`https://docs.google.com/spreadsheets/u/1/d/${SHEET_ID}`)).toBe(SHEET_ID);
    expect(parseSpreadsheetId(` ${SHEET_ID} `)).toBe(SHEET_ID);
    for (const bad of ["https://evil.test/spreadsheets/d/" + SHEET_ID, "http://docs.google.com/spreadsheets/d/" + SHEET_ID, "not a sheet", "https://docs.google.com/document/d/x"]) {
      const e = describeError(
        (() => {
          try {
            parseSpreadsheetId(bad);
          } catch (err) {
            return err;
          }
        })(),
      );
      expect(e.status, bad).toBe(400);
      expect(e.body.error.fields?.sheet).toBeTruthy();
    }
    expect(headerRange("Sheet1!A:Z")).toBe("Sheet1!A1:Z1");
    expect(headerRange("'My leads'!B3:F")).toBe("'My leads'!B3:F3");
  });
});

describe("the service-account key", () => {
  it("is validated, stored sealed, never returned, and only its email is shown", async () => {
    expect((await refused(setServiceAccountKey({ ctx: ctx(), input: { key: "{not json" } }))).status).toBe(400);
    const noType = JSON.stringify({ ...JSON.parse(fake.keyJson()), type: "user" });
    expect((await refused(setServiceAccountKey({ ctx: ctx(), input: { key: noType } }))).body.error.message).toMatch(/service_account/);
    const badPem = JSON.stringify({ ...JSON.parse(fake.keyJson()), private_key: "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n" });
    expect((await refused(setServiceAccountKey({ ctx: ctx(), input: { key: badPem } }))).body.error.message).toMatch(/private_key/);

    const key = fake.keyJson();
    const { result } = await setServiceAccountKey({ ctx: ctx(), input: { key } });
    expect(result).toMatchObject({ configured: true, fromEnv: false, clientEmail: "sheets-reader@fake-project.iam.gserviceaccount.com" });
    expect(JSON.stringify(result)).not.toContain("PRIVATE KEY");
    const [row] = await h.db.select().from(settings).where(eq(settings.key, "sheets.service_account"));
    expect(JSON.stringify(row.value)).not.toContain("PRIVATE KEY");
    expect((await loadServiceAccountKey(h.db))?.private_key).toBe(JSON.parse(key).private_key);
    expect(JSON.stringify(await getServiceAccount({ ctx: ctx() }))).not.toContain("PRIVATE KEY");
    expect(JSON.stringify(await listSheetSources({ ctx: ctx() }))).not.toContain("PRIVATE KEY");
    const audits = await h.db.select().from(auditLog).where(eq(auditLog.action, "sheets.service_account_set"));
    expect(audits).toHaveLength(1);
  });

  it("from GOOGLE_SERVICE_ACCOUNT_JSON: used, shown as configured by env, not replaceable here", async () => {
    setEnv({ GOOGLE_SERVICE_ACCOUNT_JSON: fake.keyJson("env-reader@fake-project.iam.gserviceaccount.com") });
    try {
      expect(await getServiceAccount({ ctx: ctx() })).toMatchObject({ configured: true, fromEnv: true, clientEmail: "env-reader@fake-project.iam.gserviceaccount.com" });
      expect((await refused(setServiceAccountKey({ ctx: ctx(), input: { key: fake.keyJson() } }))).status).toBe(409);
      expect((await refused(clearServiceAccountKey({ ctx: ctx() }))).status).toBe(409);
    } finally {
      setEnv();
    }
  });
});

describe("reading the header row live", () => {
  beforeEach(() => fake.setSheet(SHEET_ID, [HEADER, ["Asha", "+44 20 7946 0958", "asha@example.com", "100"]]));

  it("returns the headers of the range's first row", async () => {
    const r = await readSheetHeaders({ ctx: ctx(), input: { sheet: SHEET_ID, range: "Sheet1!A:Z" } });
    expect(r.headers).toEqual(HEADER);
    // Only the header row was asked for.
    expect(decodeURIComponent(fake.requests.at(-1)?.path ?? "")).toMatch(/\/values\/Sheet1!A1:Z1$/);
  });

  it("says what to fix: share the sheet (403), no such sheet (404), a bad range (400)", async () => {
    fake.failNext({ status: 403, body: { error: { code: 403, message: "The caller does not have permission", status: "PERMISSION_DENIED" } } });
    const forbidden = await refused(readSheetHeaders({ ctx: ctx(), input: { sheet: SHEET_ID } }));
    expect(forbidden.status).toBe(400);
    expect(forbidden.body.error.message).toContain("Share the sheet with sheets-reader@fake-project.iam.gserviceaccount.com");

    const missing = await refused(readSheetHeaders({ ctx: ctx(), input: { sheet: "1ZzZzZzZzZzZzZzZzZzZzZzZzZzZzZzZz" } }));
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toMatch(/no spreadsheet/i);

    const badRange = await refused(readSheetHeaders({ ctx: ctx(), input: { sheet: SHEET_ID, range: "Nope!A:Z" } }));
    expect(badRange.status).toBe(400);
    expect(badRange.body.error.fields?.range).toMatch(/Nope!A:Z/);
  });
});

describe("sources", () => {
  it("validates the mapping, interval and project; caps nothing silently", async () => {
    expect((await refused(createSheetSource({ ctx: ctx(), input: { name: "x", sheet: SHEET_ID, projectId, mapping: { Name: "name" } } }))).body.error.fields?.mapping).toMatch(/phone or to email/);
    expect((await refused(createSheetSource({ ctx: ctx(), input: { name: "x", sheet: SHEET_ID, projectId, mapping: MAPPING, pollIntervalSec: 10 } }))).body.error.fields?.pollIntervalSec).toBeTruthy();
    expect((await refused(createSheetSource({ ctx: ctx(), input: { name: "x", sheet: SHEET_ID, projectId: 999_999, mapping: MAPPING } }))).body.error.fields?.projectId).toBeTruthy();
    const manager = await createStaff(h.db, { role: "manager" });
    expect((await refused(createSheetSource({ ctx: staffCtxFor(h.db, manager), input: { name: "x", sheet: SHEET_ID, projectId, mapping: MAPPING } }))).status).toBe(403);
    const s = await newSource();
    expect(s).toMatchObject({ spreadsheetId: SHEET_ID, range: "Sheet1!A:Z", pollIntervalSec: 60, enabled: true, rowsImported: 0 });
    await deleteSheetSource({ ctx: ctx(), input: s.id });
  });
});

describe("the poller", () => {
  it("imports new rows once; a second poll and a restart import nothing; rows inserted above import only themselves", async () => {
    fake.setSheet(SHEET_ID, [
      HEADER,
      ["Asha Rao", "+44 20 7946 0958", "asha@example.com", "100"],
      ["Ben", "", "ben@example.com", ""],
      ["Ben", "", "ben@example.com", ""],
    ]);
    const s = await newSource();
    const t0 = new Date();
    const [first] = await sweepSheetSources(h.db, { now: t0, rootUrl: fake.url });
    expect(first).toMatchObject({ sourceId: s.id, ok: true, imported: 3, rowErrors: 0 });
    let got = await sourceLeads(s.id);
    expect(got.map((l) => [l.name, l.phone, l.email, l.projectId, l.source])).toEqual([
      ["Asha Rao", "+442079460958", "asha@example.com", projectId, "sheet"],
      ["Ben", "", "ben@example.com", projectId, "sheet"],
      ["Ben", "", "ben@example.com", projectId, "sheet"],
    ]);
    expect(got[0].extra).toEqual({ Budget: "100" });
    let row = await sourceRow(s.id);
    expect(row).toMatchObject({ rowsImported: 3, consecutiveFailures: 0, lastError: null, headers: HEADER });
    expect(row.nextPollAt?.getTime()).toBe(t0.getTime() + 60_000);
    // Not due again before its interval.
    expect(await sweepSheetSources(h.db, { now: new Date(t0.getTime() + 30_000), rootUrl: fake.url })).toEqual([]);

    expect(await poll(s.id)).toMatchObject({ ok: true, imported: 0 });

    // Rows inserted above the imported ones (and one of the twins moved): only the new rows are imported.
    fake.setSheet(SHEET_ID, [
      HEADER,
      ["Chen", "+1 415 555 0100", "", ""],
      ["Ben", "", "ben@example.com", ""],
      ["Asha Rao", "+44 20 7946 0958", "asha@example.com", "100"],
      ["Dana", "", "dana@example.com", "300"],
      ["Ben", "", "ben@example.com", ""],
    ]);
    expect(await poll(s.id)).toMatchObject({ ok: true, imported: 2 });
    got = await sourceLeads(s.id);
    expect(got.map((l) => l.name)).toEqual(["Asha Rao", "Ben", "Ben", "Chen", "Dana"]);

    // A restart: the poller's process state is gone, the database isn't — a fresh sweep imports nothing.
    setSingleton("sheets.jwt-clients", undefined);
    await h.db.update(sheetSources).set({ nextPollAt: new Date(0) }).where(eq(sheetSources.id, s.id));
    const [again] = await sweepSheetSources(h.db, { rootUrl: fake.url });
    expect(again).toMatchObject({ ok: true, imported: 0 });
    expect(await sourceLeads(s.id)).toHaveLength(5);
    row = await sourceRow(s.id);
    expect(row.rowsImported).toBe(5);
    // The imports were audited as the poller (system), with their counts.
    const audits = await h.db.select().from(auditLog).where(and(eq(auditLog.action, "sheet_source.import"), eq(auditLog.targetId, String(s.id))));
    expect(audits.map((a) => [a.actorKind, a.data.imported])).toEqual([
      ["system:sheet-poller", 3],
      ["system:sheet-poller", 2],
    ]);
    // Every read carried a bearer token from the fake's token endpoint (the JWT's signature checked there).
    expect(fake.requests.every((r) => r.authorized)).toBe(true);
    await deleteSheetSource({ ctx: ctx(), input: s.id });
    // Deleting the source keeps its leads.
    expect(await h.db.select().from(leads).where(eq(leads.name, "Dana"))).toHaveLength(1);
  });

  it("rows with missing columns or a bad phone: a per-row error, the other rows imported, the fixed row on the next poll", async () => {
    fake.setSheet(SHEET_ID, [
      HEADER,
      ["Good", "+44 20 7946 0958", "good@example.com"],
      ["No contact"],
      ["Bad phone", "12ab", ""],
      ["", "", "", ""],
      ["Bad email", "", "not-an-email", ""],
      ["Too wide", "", "w@example.com", "1", "surplus"],
    ]);
    const s = await newSource({ name: "Messy sheet" });
    const r = await poll(s.id);
    // A cell right of the last header (a note beside the table) has no column: that row still imports.
    expect(r).toMatchObject({ ok: true, imported: 2, rowErrors: 3 });
    const row = await sourceRow(s.id);
    expect(row.lastError).toContain("Row 3: No phone number or email address.");
    expect(row.lastError).toContain('Row 4: Phone "12ab"');
    expect(row.lastError).toContain('Row 6: Email "not-an-email"');
    expect(row.consecutiveFailures).toBe(0);
    expect(row.lastErrorAt).not.toBeNull();
    expect((await sourceLeads(s.id)).map((l) => l.name)).toEqual(["Good", "Too wide"]);

    // The admin fixes a row in the sheet: it is imported next time, nothing else again.
    fake.setSheet(SHEET_ID, [HEADER, ["Good", "+44 20 7946 0958", "good@example.com"], ["No contact", "", "fixed@example.com"]]);
    expect(await poll(s.id)).toMatchObject({ ok: true, imported: 1, rowErrors: 0 });
    expect((await sourceRow(s.id)).lastError).toBeNull();
    expect((await sourceLeads(s.id)).map((l) => l.name)).toEqual(["Good", "Too wide", "No contact"]);
    await deleteSheetSource({ ctx: ctx(), input: s.id });
  });

  it("a phone without + is read by the source's country; without one it is that row's error", async () => {
    fake.setSheet(SHEET_ID, [HEADER, ["Local", "020 7946 0958", "", ""], ["Intl", "+1 202 555 0143", "", ""]]);
    const s = await newSource({ name: "Local numbers" });
    expect(s.defaultCountry).toBeNull();
    expect(await poll(s.id)).toMatchObject({ ok: true, imported: 1, rowErrors: 1 });
    expect((await sourceRow(s.id)).lastError).toMatch(/^Row 2: /);
    expect((await refused(updateSheetSource({ ctx: ctx(), input: { id: s.id, defaultCountry: "XX" } }))).status).toBe(400);
    const edited = (await updateSheetSource({ ctx: ctx(), input: { id: s.id, defaultCountry: "gb" } })).result;
    expect(edited.defaultCountry).toBe("GB");
    expect(await poll(s.id)).toMatchObject({ ok: true, imported: 1, rowErrors: 0 });
    expect((await sourceLeads(s.id)).map((l) => [l.name, l.phone])).toEqual([
      ["Intl", "+12025550143"],
      ["Local", "+442079460958"],
    ]);
    await deleteSheetSource({ ctx: ctx(), input: s.id });
  });

  it("Google's errors (403, 404, 500, 429, a refused token): last_error set, backoff grows, nothing lost, a success resets", async () => {
    fake.setSheet(SHEET_ID, [HEADER, ["Eve", "", "eve@example.com", ""]]);
    const s = await newSource({ name: "Flaky sheet" });
    const t = new Date("2026-12-01T10:00:00Z");
    const failAt = async (f: Parameters<FakeSheets["failNext"]>[0], i: number) => {
      fake.failNext(f);
      const at = new Date(t.getTime() + i * 1000);
      const r = await poll(s.id, at);
      expect(r.ok).toBe(false);
      const row = await sourceRow(s.id);
      return { row, wait: row.nextPollAt!.getTime() - at.getTime() };
    };
    let f = await failAt({ status: 403, body: { error: { code: 403, message: "The caller does not have permission" } } }, 0);
    expect(f.row.lastError).toContain("Share the sheet with sheets-reader@");
    expect(f.row.consecutiveFailures).toBe(1);
    expect(f.wait).toBe(backoffMs(60, 1));
    f = await failAt({ status: 404 }, 1);
    expect(f.row.lastError).toMatch(/no spreadsheet/i);
    expect(f.wait).toBe(backoffMs(60, 2));
    f = await failAt({ status: 500 }, 2);
    expect(f.row.lastError).toMatch(/answered 500/);
    expect(f.wait).toBe(backoffMs(60, 3));
    expect(backoffMs(60, 3)).toBeGreaterThan(backoffMs(60, 2));
    // 429 with Retry-After: that long, not the backoff.
    f = await failAt({ status: 429, headers: { "retry-after": "900" } }, 3);
    expect(f.row.lastError).toMatch(/quota/);
    expect(f.wait).toBe(900_000);
    // 429 without one: the backoff, still growing.
    f = await failAt({ status: 429 }, 4);
    expect(f.wait).toBe(backoffMs(60, 5));
    expect(backoffMs(60, 50)).toBe(MAX_BACKOFF_MS);
    // The token endpoint refusing the key.
    setSingleton("sheets.jwt-clients", undefined);
    fake.failNextToken({ status: 400 });
    const tokenFail = await poll(s.id, new Date(t.getTime() + 10_000));
    expect(tokenFail).toMatchObject({ ok: false });
    expect((await sourceRow(s.id)).lastError).toMatch(/refused the service-account key/);
    expect((await sourceRow(s.id)).consecutiveFailures).toBe(6);
    expect(await sourceLeads(s.id)).toHaveLength(0);

    // Not due while backing off; due after.
    const row = await sourceRow(s.id);
    expect(await sweepSheetSources(h.db, { now: new Date(row.nextPollAt!.getTime() - 1), rootUrl: fake.url })).toEqual([]);
    const [ok] = await sweepSheetSources(h.db, { now: row.nextPollAt!, rootUrl: fake.url });
    expect(ok).toMatchObject({ sourceId: s.id, ok: true, imported: 1 });
    expect(await sourceRow(s.id)).toMatchObject({ consecutiveFailures: 0, lastError: null, rowsImported: 1 });
    await deleteSheetSource({ ctx: ctx(), input: s.id });
  });

  it("without a key, the source says so and backs off; poll now and edits make it due and forget the backoff", async () => {
    fake.setSheet(SHEET_ID, [HEADER, ["Fay", "", "fay@example.com", ""]]);
    const s = await newSource({ name: "No key yet" });
    await clearServiceAccountKey({ ctx: ctx() });
    expect(await poll(s.id)).toMatchObject({ ok: false });
    expect((await sourceRow(s.id)).lastError).toMatch(/No service-account key/);
    await setServiceAccountKey({ ctx: ctx(), input: { key: fake.keyJson() } });
    const now = new Date();
    const { result } = await pollSheetSourceNow({ ctx: ctx(now), input: s.id });
    expect(result).toMatchObject({ consecutiveFailures: 0 });
    expect(new Date(result.nextPollAt!).getTime()).toBe(now.getTime());
    const [r] = await sweepSheetSources(h.db, { now, rootUrl: fake.url });
    expect(r).toMatchObject({ ok: true, imported: 1 });

    // Turned off: never due; poll now refuses.
    await updateSheetSource({ ctx: ctx(), input: { id: s.id, enabled: false } });
    expect(await sweepSheetSources(h.db, { now: new Date(Date.now() + 86_400_000), rootUrl: fake.url })).toEqual([]);
    expect((await refused(pollSheetSourceNow({ ctx: ctx(), input: s.id }))).status).toBe(409);
    // The mapping can change (an extra column more) without re-importing anything.
    await updateSheetSource({ ctx: ctx(), input: { id: s.id, enabled: true, mapping: { ...MAPPING, Budget: "ignore" } } });
    expect(await poll(s.id)).toMatchObject({ ok: true, imported: 0 });
    await deleteSheetSource({ ctx: ctx(), input: s.id });
  });

  it("a renamed contact column is the source's error, not silently nothing", async () => {
    fake.setSheet(SHEET_ID, [["Full name", "Mobile", "E-mail"], ["Gus", "+44 20 7946 0958", "gus@example.com"]]);
    const s = await newSource({ name: "Renamed" });
    const r = await poll(s.id);
    expect(r).toMatchObject({ ok: false });
    const error = (await sourceRow(s.id)).lastError!;
    expect(error).toMatch(/^The sheet has no column “\w+” or “\w+” or “\w+” any more: edit the source's mapping\.$/);
    for (const h of ["Name", "Phone", "Email"]) expect(error).toContain(`“${h}”`);
    await deleteSheetSource({ ctx: ctx(), input: s.id });
  });

  it("a changed mapping, or a renamed name column, never imports the rows again", async () => {
    fake.setSheet(SHEET_ID, [HEADER, ["Hana", "+44 20 7946 0958", "hana@example.com", "Big"], ["Ivo", "", "ivo@example.com", ""]]);
    const s = await newSource({ name: "Remapped" });
    expect(await poll(s.id)).toMatchObject({ ok: true, imported: 2 });
    // The name column now comes from elsewhere: every row's key changes, its phone or email doesn't.
    await updateSheetSource({ ctx: ctx(), input: { id: s.id, mapping: { Name: "extra", Phone: "phone", Email: "email", Budget: "name" } } });
    expect(await poll(s.id)).toMatchObject({ ok: true, imported: 0 });
    // The sheet's name header renamed: without it each row would look new, so the poll stops and says why.
    fake.setSheet(SHEET_ID, [["Nom", "Phone", "Email", "Budget"], ["Hana", "+44 20 7946 0958", "hana@example.com", "Big"]]);
    await updateSheetSource({ ctx: ctx(), input: { id: s.id, mapping: MAPPING } });
    expect(await poll(s.id)).toMatchObject({ ok: false });
    expect((await sourceRow(s.id)).lastError).toMatch(/no column “Name” any more/);
    // A genuinely new row still comes in.
    fake.setSheet(SHEET_ID, [HEADER, ["Hana", "+44 20 7946 0958", "hana@example.com", "Big"], ["Jo", "", "jo@example.com", ""]]);
    expect(await poll(s.id)).toMatchObject({ ok: true, imported: 1 });
    expect((await sourceLeads(s.id)).map((l) => l.name)).toEqual(["Hana", "Ivo", "Jo"]);
    await deleteSheetSource({ ctx: ctx(), input: s.id });
  });
});
