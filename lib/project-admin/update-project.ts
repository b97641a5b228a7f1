import { eq } from "drizzle-orm";
import { z } from "zod";
import { projects } from "../../db/schema";
import { assertCan } from "../auth/permissions";
import { audit } from "../audit";
import { withTransaction, type StaffCtx } from "../ctx";
import { AppError } from "../errors";
import { DbId } from "../validation";
import { noEffects, type VerbResult } from "../verb";
import { assertSlugFree, slugConflict } from "./create-project";
import { ProjectFields, slugTaken, Version, VERSION_CONFLICT } from "./fields";
import { getProjectRowOrThrow, toProjectDTO, type ProjectDTO } from "./get-project";
import { forgetAllowedOriginCaches } from "../projects/origins";
import { lockDefault, makeDefaultLocked } from "./set-default-project";

export const UpdateProjectInput = z
  .object({
    projectId: DbId,
    ...Object.fromEntries(Object.entries(ProjectFields).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof ProjectFields]: z.ZodOptional<(typeof ProjectFields)[K]>;
    },
    /** true makes this the default; the default can't be unset (another project is made default instead). */
    isDefault: z.literal(true, { error: "Make another project the default instead." }).optional(),
    version: Version.optional(),
  })
  .strict();

/**
 * Edit a project (`projects.edit`): any of its fields. A save made from an
 * older copy than the row's (`version` ≠ updatedAt, compared under the row
 * lock) is refused with a 409 instead of overwriting someone else's change.
 * Origins and slug changes reach this instance's CSP and CORS checks at once,
 * every other instance within 30 s. Audited `project.update` with each changed
 * field's old and new value.
 */
export async function updateProject({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<ProjectDTO>> {
  assertCan(ctx.actor, "projects.edit");
  const { projectId, version, isDefault, ...patch } = UpdateProjectInput.parse(input);
  try {
    const dto = await withTransaction(ctx, async (tx) => {
      if (isDefault) await lockDefault(tx);
      const before = await getProjectRowOrThrow(tx, projectId, { forUpdate: true });
      if (version !== undefined && before.updatedAt.getTime() !== new Date(version).getTime()) {
        throw new AppError("conflict", VERSION_CONFLICT, { details: { fields: { version: VERSION_CONFLICT } } });
      }
      if (patch.slug !== undefined && patch.slug !== before.slug) await assertSlugFree(tx, patch.slug, projectId);
      const changed = Object.fromEntries(
        Object.entries(patch)
          .filter(([k, v]) => v !== undefined && JSON.stringify((before as Record<string, unknown>)[k]) !== JSON.stringify(v))
          .map(([k, v]) => [k, { from: (before as Record<string, unknown>)[k], to: v }]),
      );
      let row = before;
      if (Object.keys(changed).length) {
        [row] = await tx.db.update(projects).set({ ...patch, updatedAt: ctx.now }).where(eq(projects.id, projectId)).returning();
        await audit(tx, "project.update", { type: "project", id: projectId }, changed);
      }
      if (isDefault) row = await makeDefaultLocked(tx, projectId);
      return toProjectDTO(row);
    });
    forgetAllowedOriginCaches();
    return { result: dto, effects: noEffects() };
  } catch (err) {
    throw slugTaken(err) ? slugConflict() : err;
  }
}
