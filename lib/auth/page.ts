import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { getDb } from "../../db/client";
import type { StaffRole } from "../../db/schema";
import { staffActor } from "../ctx";
import { can, CONSOLE_PATH, CONSOLE_PERMISSION } from "./permissions";
import { findStaffBySession, SESSION_COOKIE, type StaffUser } from "./session";

/** The signed-in staff user for a server component, or null. */
export async function currentStaff(): Promise<StaffUser | null> {
  const jar = await cookies();
  return findStaffBySession(await getDb(), jar.get(SESSION_COOKIE)?.value);
}

/**
 * Gate a console page: anonymous → /login, another role → their own console.
 */
export async function requireConsole(role: StaffRole, path: string): Promise<StaffUser> {
  const user = await currentStaff();
  if (!user) redirect(`/login?next=${encodeURIComponent(path)}`);
  if (!can(staffActor(user), CONSOLE_PERMISSION[role])) redirect(CONSOLE_PATH[user.role]);
  return user;
}

