import { readJson, withStaff } from "@/lib/http";
import { getProject } from "@/lib/project-admin/get-project";
import { updateProject } from "@/lib/project-admin/update-project";

// GET /api/projects/:id – one project for the editor (with its version)
export const GET = withStaff<{ id: string }>({ permission: "projects.edit" }, async ({ ctx, params }) => {
  return Response.json(await getProject({ ctx, input: { projectId: params.id } }), { headers: { "Cache-Control": "no-store" } });
});

// PATCH /api/projects/:id {…fields, isDefault?: true, version} – edit a project (409 when the version is stale)
export const PATCH = withStaff<{ id: string }>({ permission: "projects.edit" }, async ({ ctx, req, params }) => {
  const body = (await readJson(req)) as Record<string, unknown>;
  const { result } = await updateProject({ ctx, input: { ...body, projectId: params.id } });
  return Response.json(result);
});
