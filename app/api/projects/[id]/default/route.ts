import { withStaff } from "@/lib/http";
import { setDefaultProject } from "@/lib/project-admin/set-default-project";

// POST /api/projects/:id/default – make this the default project (there is always exactly one)
export const POST = withStaff<{ id: string }>({ permission: "projects.edit" }, async ({ ctx, params }) => {
  const { result } = await setDefaultProject({ ctx, input: { projectId: params.id } });
  return Response.json(result);
});
