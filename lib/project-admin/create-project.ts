import { and, eq, ne } from "drizzle-orm";
import { z } from "zod";
import { projects } from "../../db/schema";
import { assertCan } from "../auth/permissions";
import { audit } from "../audit";
import { withTransaction, type Ctx, type StaffCtx } from "../ctx";
import { AppError } from "../errors";
import { noEffects, type VerbResult } from "../verb";
import { ProjectFields, SLUG_TAKEN, slugTaken } from "./fields";
import { toProjectDTO, type ProjectDTO } from "./get-project";
import { forgetAllowedOriginCaches } from "../projects/origins";
import { makeDefaultLocked } from "./set-default-project";

/** The visitor page's copy for a new project when the form leaves it out (the schema's defaults). */
export const CreateProjectInput = z
  .object({
    ...ProjectFields,
    subtitle: ProjectFields.subtitle.default(""),
    accentColor: ProjectFields.accentColor.default("#2563eb"),
    welcomeHeading: ProjectFields.welcomeHeading.default("Hi there 👋"),
    welcomeMessage: ProjectFields.welcomeMessage.default("Ask us anything — we usually reply in under a minute."),
    formHeading: ProjectFields.formHeading.default("Start a conversation"),
    formDescription: ProjectFields.formDescription.default("Leave your details and we'll connect you with our team."),
    allowedOrigins: ProjectFields.allowedOrigins.default([]),
    aiInstructions: ProjectFields.aiInstructions.default(""),
    widgetPosition: ProjectFields.widgetPosition.default("right"),
    isDefault: z.boolean({ error: "Choose yes or no." }).default(false),
  })
  .strict();

/** 409 naming the slug field when another project (other than `exceptId`) has it. */
export async function assertSlugFree(ctx: Ctx, slug: string, exceptId?: number): Promise<void> {
  const [taken] = await ctx.db
    .select({ id: projects.id })
    .from(projects)
    .where(and(eq(projects.slug, slug), exceptId !== undefined ? ne(projects.id, exceptId) : undefined))
    .limit(1);
  if (taken) throw slugConflict();
}

export const slugConflict = () => new AppError("conflict", SLUG_TAKEN, { details: { fields: { slug: SLUG_TAKEN } } });

/**
 * Add a project (`projects.edit`): branding, allowed embed origins, AI
 * instructions, widget position; optionally the new default. A taken slug is
 * a 409 on the slug field (checked first, and again by the unique index when
 * two admins pick the same slug at once). Audited `project.create`.
 */
export async function createProject({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<ProjectDTO>> {
  assertCan(ctx.actor, "projects.edit");
  const { isDefault, ...fields } = CreateProjectInput.parse(input);
  try {
    const dto = await withTransaction(ctx, async (tx) => {
      await assertSlugFree(tx, fields.slug);
      const [row] = await tx.db
        .insert(projects)
        .values({ ...fields, isDefault: false, createdAt: ctx.now, updatedAt: ctx.now })
        .returning();
      await audit(tx, "project.create", { type: "project", id: row.id }, { ...fields });
      if (isDefault) return toProjectDTO(await makeDefaultLocked(tx, row.id));
      return toProjectDTO(row);
    });
    forgetAllowedOriginCaches();
    return { result: dto, effects: noEffects() };
  } catch (err) {
    throw slugTaken(err) ? slugConflict() : err;
  }
}

