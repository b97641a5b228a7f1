import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { getDb } from "@/db/client";
import { findProjectBySlug } from "@/lib/projects/default-project";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ slug: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const project = await findProjectBySlug(await getDb(), (await params).slug);
  return { title: project?.title ?? "Not found" };
}

export default async function VisitorPage({ params }: Props) {
  const project = await findProjectBySlug(await getDb(), (await params).slug);
  if (!project) notFound();
  return (
    <main className="mx-auto flex min-h-dvh max-w-lg flex-col">
      <header className="px-5 py-6 text-white" style={{ background: project.accentColor }}>
        <h1 className="text-xl font-semibold">{project.title}</h1>
        {project.subtitle ? <p className="text-sm opacity-90">{project.subtitle}</p> : null}
      </header>
      <section className="p-5">
        <h2 className="text-lg font-medium">{project.welcomeHeading}</h2>
        <p className="text-slate-600">{project.welcomeMessage}</p>
      </section>
    </main>
  );
}
