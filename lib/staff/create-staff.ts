import { and, ne, or, sql } from "drizzle-orm";
import { z } from "zod";
import { STAFF_ROLES, users } from "../../db/schema";
import { audit } from "../audit";
import { hashPassword } from "../auth/password";
import { withTransaction, type Ctx, type StaffCtx } from "../ctx";
import { AppError } from "../errors";
import { PASSWORD_MAX_LENGTH, passwordProblem } from "../password-policy";
import { effects, type VerbResult } from "../verb";
import { assertMayManage } from "./policy";

// The fields a staff form sends, with the messages shown next to each field.
export const DisplayName = z.string().trim().min(1, "Enter a name.").max(80, "Use at most 80 characters.");
export const Email = z
  .string({ error: "Enter an email address." })
  .trim()
  .toLowerCase()
  .max(254, "Use at most 254 characters.")
  .pipe(z.email({ error: "Enter a valid email address." }));
/** Sign-in accepts an email or a username, so a username never looks like an email (no "@"). */
export const Username = z
  .string({ error: "Enter a username." })
  .trim()
  .min(3, "Use at least 3 characters.")
  .max(32, "Use at most 32 characters.")
  .regex(/^[A-Za-z0-9._-]+$/, "Use letters, digits, dots, dashes and underscores only.");
export const ChatLimit = z.number({ error: "Enter a number." }).int("Enter a whole number.").min(0, "Use 0 to 100.").max(100, "Use 0 to 100.");
export const NewPassword = z.string({ error: "Enter a password." }).min(1, "Enter a password.").max(PASSWORD_MAX_LENGTH + 1, `Use at most ${PASSWORD_MAX_LENGTH} characters.`);

export const CreateStaffInput = z
  .object({
    role: z.enum(STAFF_ROLES, { error: "Choose a role." }),
    displayName: DisplayName,
    email: Email,
    username: Username,
    password: NewPassword,
    activeChatLimit: ChatLimit.optional(),
    offlineChatLimit: ChatLimit.optional(),
    liveChatEnabled: z.boolean().optional(),
    crmEnabled: z.boolean().optional(),
  })
  .strict()
  .superRefine((d, issue) => {
    // One password rule for every staff password; a password built from the person's own name, email or username is refused.
    const problem = passwordProblem(d.password, [d.email, d.username, d.displayName]);
    if (problem) issue.addIssue({ code: "custom", path: ["password"], message: problem });
  });

/**
 * Add a staff member. Agents need `agents.manage`, anyone else
 * `staff.manage`, and an admin `staff.grant_admin` too. A duplicate email or
 * username is a 409 naming the field (checked first, and again by the unique
 * indexes when two admins add the same person at once). Audited `staff.create`.
 */
export async function createStaffMember({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<{ userId: number }>> {
  const data = CreateStaffInput.parse(input);
  assertMayManage(ctx.actor, data.role);
  // bcrypt is slow on purpose: hash before the transaction, not inside it.
  const passwordHash = await hashPassword(data.password);
  const { password: _password, ...fields } = data;
  try {
    return await withTransaction(ctx, async (tx) => {
      await assertIdentityFree(tx, { email: fields.email, username: fields.username });
      const [row] = await tx.db
        .insert(users)
        .values({ ...fields, passwordHash, createdAt: ctx.now, updatedAt: ctx.now })
        .returning({ id: users.id });
      await audit(tx, "staff.create", { type: "user", id: row.id }, { ...fields });
      return { result: { userId: row.id }, effects: effects({ agentsChanged: [row.id] }) };
    });
  } catch (err) {
    throw identityConflict(err) ?? err;
  }
}

const TAKEN = { email: "Another staff member already uses this email.", username: "Another staff member already uses this username." };

/** 409 with field errors when the email or username belongs to someone else (case-insensitively, as sign-in matches them). */
export async function assertIdentityFree(ctx: Ctx, p: { email?: string; username?: string; exceptUserId?: number }): Promise<void> {
  const match = [
    p.email !== undefined ? sql`lower(${users.email}) = ${p.email.toLowerCase()}` : undefined,
    p.username !== undefined ? sql`lower(${users.username}) = ${p.username.toLowerCase()}` : undefined,
  ].filter((x) => x !== undefined);
  if (match.length === 0) return;
  const rows = await ctx.db
    .select({ email: users.email, username: users.username })
    .from(users)
    .where(and(or(...match), p.exceptUserId !== undefined ? ne(users.id, p.exceptUserId) : undefined));
  const fields: Record<string, string> = {};
  if (p.email !== undefined && rows.some((r) => r.email.toLowerCase() === p.email!.toLowerCase())) fields.email = TAKEN.email;
  if (p.username !== undefined && rows.some((r) => r.username?.toLowerCase() === p.username!.toLowerCase())) fields.username = TAKEN.username;
  if (Object.keys(fields).length) throw new AppError("conflict", "That email or username is already in use.", { details: { fields } });
}

/** A unique-index violation on users' email or username (a concurrent duplicate) as the same 409; anything else: null. */
export function identityConflict(err: unknown): AppError | null {
  for (let e = err as { code?: string; constraint?: string; message?: string; cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++) {
    if (e.code !== "23505") continue;
    const where = `${e.constraint ?? ""} ${e.message ?? ""}`;
    const fields: Record<string, string> = {};
    if (where.includes("users_email_uq")) fields.email = TAKEN.email;
    if (where.includes("users_username_uq")) fields.username = TAKEN.username;
    if (Object.keys(fields).length) return new AppError("conflict", "That email or username is already in use.", { details: { fields } });
  }
  return null;
}
