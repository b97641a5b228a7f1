import { notFound, redirect } from "next/navigation";
import { getDb } from "@/db/client";
import { findDefaultProject } from "@/lib/projects/default-project";

export const dynamic = "force-dynamic";

/** `/` is the default project's visitor page. */
export default async function Home() {
  const project = await findDefaultProject(await getDb());
  if (!project) notFound();
  redirect(`/p/${project.slug}`);
}
