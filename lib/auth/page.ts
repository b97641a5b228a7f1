import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { getDb } from "../../db/client";
import type { StaffRole } from "../../db/schema";
import { staffActor } from "../ctx";
import { can, CONSOLE_PATH, CONSOLE_PERMISSION } from "./permissions";
import { REQUEST_PATH_HEADER } from "../security/client-ip";
import { findStaffBySession, SESSION_COOKIE, type StaffUser } from "./session";

/** The signed-in staff user for a server component, or null. */
export async function currentStaff(): Promise<StaffUser | null> {
  const jar = await cookies();
  return findStaffBySession(await getDb(), jar.get(SESSION_COOKIE)?.value);
}

/**
 * The page actually asked for when it lies under `base` (a layout gating
 * /admin for /admin/chats/42 sends the sign-in back to the chat), else `base`.
 * Next's own `_rsc` parameter is not part of the way back.
 */
async function requestedPathUnder(base: string): Promise<string> {
  const raw = (await headers()).get(REQUEST_PATH_HEADER);
  if (!raw || !raw.startsWith("/") || raw.startsWith("//")) return base;
  const url = new URL(raw, "http://local");
  url.searchParams.delete("_rsc");
  const path = url.pathname + url.search;
  return path === base || path.startsWith(`${base}/`) || path.startsWith(`${base}?`) ? path : base;
}

/**
 * Gate a console page: anonymous → /login (back to the page asked for, when
 * it is under `path`), another role → their own console.
 */
export async function requireConsole(role: StaffRole, path: string): Promise<StaffUser> {
  const user = await currentStaff();
  if (!user) redirect(`/login?next=${encodeURIComponent(await requestedPathUnder(path))}`);
  if (!can(staffActor(user), CONSOLE_PERMISSION[role])) redirect(CONSOLE_PATH[user.role]);
  return user;
}

