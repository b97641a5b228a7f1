import type { Db } from "../db/client";
import type { StaffRole, users } from "../db/schema";

type StaffUser = typeof users.$inferSelect;

export type StaffActor = {
  type: "staff";
  userId: number;
  role: StaffRole;
  displayName: string;
  liveChatEnabled: boolean;
  crmEnabled: boolean;
};
export type VisitorActor = { type: "visitor"; visitorId: number; projectId: number };
export type SystemActor = { type: "system"; job: string };
/** Someone on a public page who isn't a known visitor yet (the contact form, a web lead). */
export type AnonymousActor = { type: "anonymous" };
export type Actor = StaffActor | VisitorActor | SystemActor | AnonymousActor;

/**
 * What every domain function receives: who is acting, on which database (or
 * the caller's transaction), at what time. `inTx` is set inside
 * `withTransaction`, so a verb called by another verb joins its transaction.
 */
export type Ctx<A extends Actor = Actor> = { actor: A; db: Db; now: Date; ip?: string; inTx?: boolean };
export type StaffCtx = Ctx<StaffActor>;

export function staffActor(u: StaffUser): StaffActor {
  return {
    type: "staff",
    userId: u.id,
    role: u.role,
    displayName: u.displayName,
    liveChatEnabled: u.liveChatEnabled,
    crmEnabled: u.crmEnabled,
  };
}

export function systemCtx(db: Db, job: string, now = new Date()): Ctx<SystemActor> {
  return { actor: { type: "system", job }, db, now };
}

export function anonymousCtx(db: Db, a: { now?: Date; ip?: string } = {}): Ctx<AnonymousActor> {
  return { actor: { type: "anonymous" }, db, now: a.now ?? new Date(), ip: a.ip };
}

/**
 * Run `fn` in one transaction: the caller's, when `ctx` is already inside
 * one, else a new one. Everything a verb writes, its audit row included,
 * commits or rolls back together.
 */
export async function withTransaction<A extends Actor, T>(ctx: Ctx<A>, fn: (tx: Ctx<A>) => Promise<T>): Promise<T> {
  if (ctx.inTx) return fn(ctx);
  return ctx.db.transaction((tx) => fn({ ...ctx, db: tx as unknown as Db, inTx: true }));
}
