import { eq, sql } from "drizzle-orm";
import type { Env } from "../lib/env";
import { hashPassword } from "../lib/auth/password";
import type { Db } from "./client";
import { projects, users } from "./schema";

export type SeedResult = { createdProject: boolean; createdAdmin: boolean; adminEmail: string; adminPassword?: string };

/**
 * First start: a default project and the admin. Idempotent — an existing
 * admin is never overwritten (their password may have been changed).
 */
export async function seed(db: Db, env: Pick<Env, "adminEmail" | "adminPassword" | "adminPasswordGenerated">): Promise<SeedResult> {
  const result: SeedResult = { createdProject: false, createdAdmin: false, adminEmail: env.adminEmail };
  const [{ n: projectCount }] = await db.select({ n: sql<number>`count(*)::int` }).from(projects);
  if (projectCount === 0) {
    await db.insert(projects).values({
      slug: "default",
      title: "OnlineChatCRM",
      subtitle: "We're here to help",
      isDefault: true,
    });
    result.createdProject = true;
  }
  const [{ n: adminCount }] = await db.select({ n: sql<number>`count(*)::int` }).from(users).where(eq(users.role, "admin"));
  if (adminCount === 0 && env.adminPassword) {
    await db
      .insert(users)
      .values({
        email: env.adminEmail,
        username: "admin",
        passwordHash: await hashPassword(env.adminPassword),
        displayName: "Administrator",
        role: "admin",
      })
      .onConflictDoNothing();
    result.createdAdmin = true;
    if (env.adminPasswordGenerated) result.adminPassword = env.adminPassword;
  }
  return result;
}
