import { STAFF_ROLES, type StaffRole } from "../../db/schema";
import { can, rolesWith, type Permission, type StaffActorLike } from "../auth/permissions";
import { AppError } from "../errors";

/**
 * Who may manage whom, from the one policy: agents (the roles routing hands
 * chats to) are managed with `agents.manage`, every other staff member with
 * `staff.manage`, and anything that involves an admin — creating one,
 * promoting to one, editing one — also needs `staff.grant_admin`. So a
 * manager manages agents, managers and QA, and never touches an admin.
 */
export function managePermission(role: StaffRole): Permission {
  return rolesWith("chat.receive_routed").includes(role) ? "agents.manage" : "staff.manage";
}

/** Roles whose holders count as admins (the last-admin rule, admin-only edits). */
export function isAdminRole(role: StaffRole): boolean {
  return rolesWith("staff.grant_admin").includes(role);
}

/** `actor` may manage a staff member who has (or would get) `role`. */
export function mayManageRole(actor: StaffActorLike, role: StaffRole): boolean {
  return can(actor, managePermission(role)) && (!isAdminRole(role) || can(actor, "staff.grant_admin"));
}

/** The roles `actor` may give someone (the create dialog, the role select). */
export function assignableRoles(actor: StaffActorLike): StaffRole[] {
  return STAFF_ROLES.filter((r) => mayManageRole(actor, r));
}

/** Throws `forbidden` unless `actor` may manage someone with `role` (and, changing it, give them `newRole`). */
export function assertMayManage(actor: StaffActorLike, role: StaffRole, newRole?: StaffRole): void {
  const ok = mayManageRole(actor, role) && (newRole === undefined || newRole === role || (can(actor, "staff.manage") && mayManageRole(actor, newRole)));
  if (!ok) throw new AppError("forbidden", isAdminRole(role) || (newRole && isAdminRole(newRole)) ? "Only an admin can manage admins." : "You don't have permission to do that.");
}
