import { readJson, withStaff } from "@/lib/http";
import { cloneProject } from "@/lib/project-admin/clone-project";

// POST /api/projects/:id/clone {slug, title?} – copy a project's branding, origins and AI instructions under a new slug
export const POST = withStaff<{ id: string }>({ permission: "projects.edit" }, async ({ ctx, req, params }) => {
  const body = (await readJson(req)) as Record<string, unknown>;
  const { result } = await cloneProject({ ctx, input: { ...body, projectId: params.id } });
  return Response.json(result, { status: 201 });
});
