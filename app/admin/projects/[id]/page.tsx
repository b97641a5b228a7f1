import { notFound } from "next/navigation";
import { ProjectEditor } from "@/components/back-office/projects/ProjectEditor";
import { requireSection } from "@/lib/console/page";
import { publicBaseUrl } from "@/lib/project-admin/list-projects";
import { DbId } from "@/lib/validation";

export const dynamic = "force-dynamic";
export const metadata = { title: "Project · OnlineChatCRM" };

/** /admin/projects/new (create) or /admin/projects/{id} (edit). Embed codes use APP_URL, never this request's Host. */
export default async function ProjectEditorSection({ params }: { params: Promise<{ id: string }> }) {
  await requireSection("admin", "projects");
  const raw = (await params).id;
  const id = raw === "new" ? null : DbId.safeParse(raw);
  if (id && (!id.success || String(id.data) !== raw)) notFound();
  const { appUrl, appUrlConfigured } = publicBaseUrl();
  return <ProjectEditor key={raw} projectId={id ? id.data! : null} basePath="/admin/projects" appUrl={appUrl} appUrlConfigured={appUrlConfigured} />;
}
