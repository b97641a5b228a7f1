import { ProjectsPage } from "@/components/back-office/projects/ProjectsPage";
import { requireSection } from "@/lib/console/page";

export const dynamic = "force-dynamic";
export const metadata = { title: "Projects · OnlineChatCRM" };

export default async function ProjectsSection() {
  await requireSection("admin", "projects");
  return <ProjectsPage basePath="/admin/projects" />;
}
