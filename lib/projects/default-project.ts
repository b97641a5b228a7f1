import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { projects } from "../../db/schema";

export async function findProjectBySlug(db: Db, slug: string) {
  const [p] = await db.select().from(projects).where(eq(projects.slug, slug)).limit(1);
  return p ?? null;
}

export async function findDefaultProject(db: Db) {
  const [p] = await db.select().from(projects).where(eq(projects.isDefault, true)).limit(1);
  return p ?? null;
}
