import { redirect } from "next/navigation";
import type { StaffRole } from "../../db/schema";
import { currentStaff } from "../auth/page";
import { can, CONSOLE_PATH, CONSOLE_PERMISSION } from "../auth/permissions";
import type { StaffUser } from "../auth/session";
import { staffActor } from "../ctx";
import { findSection, sectionHref, sectionOpen, type BackOfficeSectionId, type QaSectionId } from "./sections";

/**
 * Gate a section page of a console: anonymous → /login (back here after
 * signing in); another role's console, or a section the actor may not see or
 * that isn't built there → the actor's own console. The section's API refuses
 * on its own (withStaff's permission); this only keeps people off pages.
 * `path`: a page below the section (a deep link such as /admin/chats/42), so
 * signing in leads back to it rather than to the section.
 */
export async function requireSection(console: StaffRole, id: BackOfficeSectionId | QaSectionId, path?: string): Promise<StaffUser> {
  const section = findSection(console, id);
  if (!section) throw new Error(`requireSection: no section "${id}" in the ${console} console`);
  const user = await currentStaff();
  if (!user) redirect(`/login?next=${encodeURIComponent(path ?? sectionHref(console, section))}`);
  const actor = staffActor(user);
  if (!can(actor, CONSOLE_PERMISSION[console]) || !sectionOpen(console, section, actor)) redirect(CONSOLE_PATH[user.role]);
  return user;
}
