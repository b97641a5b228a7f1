import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { createTestDb } from "@/db/testing";
import { sealSession, SESSION_COOKIE } from "@/lib/auth/session";
import { parseEnv } from "@/lib/env";
import { CLIENT_IP_HEADER } from "@/lib/http";
import { setSingleton } from "@/lib/singleton";
import { createConversation, createStaff } from "@/tests/factories";
import * as route from "../route";

/** GET /api/chat/conversations (the Chats table) through its route handler: sessions, the policy, status codes and bodies. */
const BASE = "http://chat.example.test";
let h: DbHandle;

beforeAll(async () => {
  setSingleton("env", parseEnv({ DATA_DIR: path.join(os.tmpdir(), "occ-chats-api"), SESSION_SECRET: "s".repeat(40), RATE_LIMIT_FACTOR: "100" } as unknown as NodeJS.ProcessEnv));
  setSingleton("rate-limiters", undefined);
  h = await createTestDb();
  setSingleton("db", Promise.resolve(h));
});
afterAll(async () => {
  setSingleton("db", undefined);
  await h?.close();
});

async function cookieFor(role: "admin" | "manager" | "agent" | "qa") {
  const user = await createStaff(h.db, { role });
  return `${SESSION_COOKIE}=${await sealSession({ userId: user.id, sessionVersion: user.sessionVersion }, { db: h.db })}`;
}

function get(query: string, cookie: string | null) {
  return route.GET(new Request(`${BASE}/api/chat/conversations${query}`, { headers: { ...(cookie ? { cookie } : {}), [CLIENT_IP_HEADER]: "198.51.100.9" } }), {
    params: Promise.resolve({}),
  });
}

describe("GET /api/chat/conversations", () => {
  it("answers 401 without a session and 403 to an agent", async () => {
    expect((await get("", null)).status).toBe(401);
    const res = await get("", await cookieFor("agent"));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("forbidden");
  });

  it("gives admins and managers a page of the table, uncached", async () => {
    const { conversation } = await createConversation(h.db, { status: "queued", name: "Api Visitor" });
    for (const role of ["admin", "manager"] as const) {
      const res = await get("?pill=unassigned&q=api%20vis", await cookieFor(role));
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      const body = (await res.json()) as { items: { id: number; visitor: { name: string } }[]; total: number; from: number };
      expect(body.items.map((r) => r.id)).toEqual([conversation.id]);
      expect(body).toMatchObject({ total: 1, from: 1 });
    }
  });

  it("answers 400 with the field's message for a bad filter, page size or cursor", async () => {
    const cookie = await cookieFor("admin");
    for (const [query, field, message] of [
      ["?pill=mine", "pill", "Unknown filter: choose All, Assigned, Unassigned, Offline or Closed."],
      ["?limit=25", "limit", "Rows per page must be 20, 50 or 100."],
      ["?after=%7B%7D", "after", "Invalid cursor."],
      ["?from=2026-13-01", "from", "Use an ISO date-time, like 2026-12-01T00:00:00Z."],
    ]) {
      const res = await get(query, cookie);
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as { error: { fields: Record<string, string> } };
      expect(body.error.fields[field], query).toBe(message);
    }
  });
});
