import { eq } from "drizzle-orm";
import { z } from "zod";
import { projects } from "../../db/schema";
import { assertCan } from "../auth/permissions";
import type { Ctx, StaffCtx } from "../ctx";
import { AppError } from "../errors";
import { DbId } from "../validation";

export type ProjectRow = typeof projects.$inferSelect;

/** What the visitor page shows of a project (the editor's live preview draws it from the form). */
export type ProjectBranding = {
  slug: string;
  title: string;
  subtitle: string;
  accentColor: string;
  welcomeHeading: string;
  welcomeMessage: string;
  formHeading: string;
  formDescription: string;
  iconUrl: string | null;
};

/** A project as the editor shows it. `version` goes back with a save (a stale one is refused). */
export type ProjectDTO = ProjectBranding & {
  id: number;
  allowedOrigins: string[];
  aiInstructions: string;
  widgetPosition: "right" | "left";
  isDefault: boolean;
  createdAt: string;
  version: string;
};

export function toProjectDTO(p: ProjectRow): ProjectDTO {
  return {
    id: p.id,
    slug: p.slug,
    title: p.title,
    subtitle: p.subtitle,
    accentColor: p.accentColor,
    welcomeHeading: p.welcomeHeading,
    welcomeMessage: p.welcomeMessage,
    formHeading: p.formHeading,
    formDescription: p.formDescription,
    iconUrl: p.iconUrl,
    allowedOrigins: Array.isArray(p.allowedOrigins) ? p.allowedOrigins.filter((o) => typeof o === "string") : [],
    aiInstructions: p.aiInstructions,
    widgetPosition: p.widgetPosition,
    isDefault: p.isDefault,
    createdAt: p.createdAt.toISOString(),
    version: p.updatedAt.toISOString(),
  };
}

/** The project, or `not_found`; `forUpdate` row-locks it (inside a transaction). */
export async function getProjectRowOrThrow(ctx: Ctx, id: number, opts: { forUpdate?: boolean } = {}): Promise<ProjectRow> {
  const q = ctx.db.select().from(projects).where(eq(projects.id, id)).limit(1);
  const [p] = opts.forUpdate ? await q.for("update") : await q;
  if (!p) throw new AppError("not_found", "Project not found.");
  return p;
}

export const GetProjectInput = z.object({ projectId: DbId }).strict();

/** One project for the editor (`projects.edit`). */
export async function getProject({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<ProjectDTO> {
  assertCan(ctx.actor, "projects.edit");
  const { projectId } = GetProjectInput.parse(input);
  return toProjectDTO(await getProjectRowOrThrow(ctx, projectId));
}
