import { readJson, withStaff } from "@/lib/http";
import { createProject } from "@/lib/project-admin/create-project";
import { listProjects } from "@/lib/project-admin/list-projects";

// GET /api/projects?q=&after=|before=&limit= – one page of the Projects table
export const GET = withStaff({ permission: "projects.edit" }, async ({ ctx, req }) => {
  const query = Object.fromEntries(new URL(req.url).searchParams);
  return Response.json(await listProjects({ ctx, input: query }), { headers: { "Cache-Control": "no-store" } });
});

// POST /api/projects {slug, title, …branding, allowedOrigins, aiInstructions, widgetPosition, isDefault?} – add a project
export const POST = withStaff({ permission: "projects.edit" }, async ({ ctx, req }) => {
  const { result } = await createProject({ ctx, input: await readJson(req) });
  return Response.json(result, { status: 201 });
});
