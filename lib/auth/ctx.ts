import type { Db } from "../../db/client";
import type { StaffRole } from "../../db/schema";
import type { StaffUser } from "./session";

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
export type Actor = StaffActor | VisitorActor | SystemActor;

/** What every domain function receives: who is acting, on which database, at what time. */
export type Ctx<A extends Actor = Actor> = { actor: A; db: Db; now: Date; ip?: string };
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
