import { randomBytes } from "node:crypto";
import type { Db } from "../db/client";
import { projects, users, type StaffRole } from "../db/schema";
import { hashPassword } from "../lib/auth/password";
import { staffActor, type StaffCtx } from "../lib/ctx";

let seq = 0;
const uniq = () => `${Date.now().toString(36)}${(++seq).toString(36)}${randomBytes(2).toString("hex")}`;

// One hash reused by every factory user: bcrypt is deliberately slow.
let cachedHash: Promise<string> | undefined;
export const FACTORY_PASSWORD = "correct horse battery";

export async function createStaff(
  db: Db,
  over: Partial<typeof users.$inferInsert> & { role?: StaffRole } = {},
) {
  cachedHash ??= hashPassword(FACTORY_PASSWORD);
  const u = uniq();
  const [row] = await db
    .insert(users)
    .values({
      email: `${over.role ?? "agent"}-${u}@example.test`,
      username: `${over.role ?? "agent"}_${u}`,
      passwordHash: await cachedHash,
      displayName: `${over.role ?? "agent"} ${u}`,
      role: "agent",
      ...over,
    })
    .returning();
  return row;
}

export async function createProject(db: Db, over: Partial<typeof projects.$inferInsert> = {}) {
  const u = uniq();
  const [row] = await db
    .insert(projects)
    .values({ slug: `p-${u}`, title: `Project ${u}`, ...over })
    .returning();
  return row;
}

export function staffCtxFor(db: Db, user: typeof users.$inferSelect, now = new Date()): StaffCtx {
  return { actor: staffActor(user), db, now };
}

/** A visitor with a conversation (status and assignee as given), inserted directly. */
export async function createConversation(
  db: Db,
  over: { projectId?: number; status?: "queued" | "active" | "offline" | "closed"; assigneeId?: number | null; phone?: string; name?: string } = {},
) {
  const { visitors, conversations } = await import("../db/schema");
  const projectId = over.projectId ?? (await createProject(db)).id;
  const u = uniq();
  const [visitor] = await db
    .insert(visitors)
    .values({
      projectId,
      token: randomBytes(32).toString("base64url"),
      name: over.name ?? `Visitor ${u}`,
      phone: over.phone ?? `+4477009${String(Math.floor(Math.random() * 1e5)).padStart(5, "0")}`,
      email: `v-${u}@example.test`,
      firstIp: "203.0.113.7",
    })
    .returning();
  const [conversation] = await db
    .insert(conversations)
    .values({
      projectId,
      visitorId: visitor.id,
      visitorPhone: visitor.phone,
      status: over.status ?? (over.assigneeId ? "active" : "queued"),
      assigneeId: over.assigneeId ?? null,
      ip: "203.0.113.7",
    })
    .returning();
  return { visitor, conversation, projectId };
}

export function visitorCtxFor(db: Db, visitor: { id: number; projectId: number }, now = new Date()) {
  return { actor: { type: "visitor" as const, visitorId: visitor.id, projectId: visitor.projectId }, db, now };
}

/**
 * Routing tests share one database per file: before each test, earlier
 * tests' agents are disabled (so they never take a chat) and their queued
 * chats closed, so every test's counts and rotation are its own.
 */
export async function isolateRouting(db: Db) {
  const { conversations } = await import("../db/schema");
  const { eq } = await import("drizzle-orm");
  await db.update(users).set({ disabled: true }).where(eq(users.role, "agent"));
  await db.update(conversations).set({ status: "closed" }).where(eq(conversations.status, "queued"));
}
