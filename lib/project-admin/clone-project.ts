import { eq } from "drizzle-orm";
import { z } from "zod";
import { projects } from "../../db/schema";
import { assertCan } from "../auth/permissions";
import { audit } from "../audit";
import { withTransaction, type StaffCtx } from "../ctx";
import { DbId } from "../validation";
import { noEffects, type VerbResult } from "../verb";
import { assertSlugFree, slugConflict } from "./create-project";
import { ProjectFields, slugTaken } from "./fields";
import { getProjectRowOrThrow, toProjectDTO, type ProjectDTO } from "./get-project";
import { iconUrlFor, storedIconHash } from "./icon";
import { forgetAllowedOriginCaches } from "../projects/origins";

export const CloneProjectInput = z
  .object({
    projectId: DbId,
    slug: ProjectFields.slug,
    /** Defaults to the source's title with " (copy)". */
    title: ProjectFields.title.optional(),
  })
  .strict();

/**
 * Copy a project under a new slug (`projects.edit`): its branding (title,
 * subtitle, accent, welcome and contact-form copy, icon), allowed embed
 * origins, AI instructions and widget position. Never its default flag, and
 * nothing of its conversations. A stored icon is shared (icons are
 * content-addressed), under the new project's own URL. Audited
 * `project.clone` on the new project, naming the source.
 */
export async function cloneProject({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<ProjectDTO>> {
  assertCan(ctx.actor, "projects.edit");
  const data = CloneProjectInput.parse(input);
  try {
    const dto = await withTransaction(ctx, async (tx) => {
      const src = await getProjectRowOrThrow(tx, data.projectId);
      await assertSlugFree(tx, data.slug);
      const title = data.title ?? `${src.title} (copy)`.slice(0, 80);
      const [row] = await tx.db
        .insert(projects)
        .values({
          slug: data.slug,
          title,
          subtitle: src.subtitle,
          accentColor: src.accentColor,
          welcomeHeading: src.welcomeHeading,
          welcomeMessage: src.welcomeMessage,
          formHeading: src.formHeading,
          formDescription: src.formDescription,
          iconUrl: storedIconHash(src.iconUrl) ? null : src.iconUrl,
          allowedOrigins: src.allowedOrigins,
          aiInstructions: src.aiInstructions,
          widgetPosition: src.widgetPosition,
          isDefault: false,
          createdAt: ctx.now,
          updatedAt: ctx.now,
        })
        .returning();
      const hash = storedIconHash(src.iconUrl);
      let out = row;
      if (hash) {
        [out] = await tx.db.update(projects).set({ iconUrl: iconUrlFor(row.id, hash) }).where(eq(projects.id, row.id)).returning();
      }
      await audit(tx, "project.clone", { type: "project", id: row.id }, { from: src.id, fromSlug: src.slug, slug: row.slug, title });
      return toProjectDTO(out);
    });
    forgetAllowedOriginCaches();
    return { result: dto, effects: noEffects() };
  } catch (err) {
    throw slugTaken(err) ? slugConflict() : err;
  }
}
