import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { projects } from "../../db/schema";
import { assertCan } from "../auth/permissions";
import { audit } from "../audit";
import { withTransaction, type Ctx, type StaffCtx } from "../ctx";
import { AppError } from "../errors";
import { DbId } from "../validation";
import { noEffects, type VerbResult } from "../verb";
import { getProjectRowOrThrow, toProjectDTO, type ProjectDTO, type ProjectRow } from "./get-project";

/**
 * Make `projectId` the default inside the caller's transaction. Every change
 * of the default takes one transaction-scoped advisory lock first, so two run
 * one after the other and the second sees the first's result: without it, two
 * concurrent calls each read "D is the default", each clear D and set their
 * own, and the second trips projects_default_uq (or, had there been no index,
 * leaves two defaults). Clearing the old one and setting the new one commit
 * together, so no other transaction ever sees zero defaults.
 */
export async function makeDefaultLocked(tx: Ctx, projectId: number): Promise<ProjectRow> {
  await lockDefault(tx);
  const target = await getProjectRowOrThrow(tx, projectId, { forUpdate: true });
  if (target.isDefault) return target;
  const [previous] = await tx.db.select({ id: projects.id }).from(projects).where(eq(projects.isDefault, true)).limit(1);
  // The old one first: projects_default_uq is checked per statement, and it never sees two.
  if (previous) await tx.db.update(projects).set({ isDefault: false, updatedAt: tx.now }).where(eq(projects.id, previous.id));
  const [row] = await tx.db.update(projects).set({ isDefault: true, updatedAt: tx.now }).where(eq(projects.id, projectId)).returning();
  await audit(tx, "project.default", { type: "project", id: projectId }, { previous: previous?.id ?? null });
  return row;
}

/**
 * The lock every change of the default takes first (re-entrant within a
 * transaction). A verb that also row-locks a project takes this one before
 * the row, as makeDefaultLocked does, so the two orders never cross.
 */
export async function lockDefault(tx: Ctx): Promise<void> {
  if (!tx.inTx) throw new AppError("internal", "the default-project lock outside a transaction");
  await tx.db.execute(sql`select pg_advisory_xact_lock(hashtextextended('projects:default', 0))`);
}

export const SetDefaultProjectInput = z.object({ projectId: DbId }).strict();

/**
 * Make a project the default (`projects.edit`): the one used when a widget
 * loads without a slug, when a visitor lands on /, or when an embed leaves
 * data-project off. There is always exactly one, also when two admins pick
 * different defaults at the same moment (see makeDefaultLocked). Audited
 * `project.default`.
 */
export async function setDefaultProject({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<ProjectDTO>> {
  assertCan(ctx.actor, "projects.edit");
  const { projectId } = SetDefaultProjectInput.parse(input);
  const row = await withTransaction(ctx, (tx) => makeDefaultLocked(tx, projectId));
  return { result: toProjectDTO(row), effects: noEffects() };
}
