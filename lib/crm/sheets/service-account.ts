/**
 * The one Google service account every Sheets source reads with: its JSON key
 * comes from GOOGLE_SERVICE_ACCOUNT_JSON, or else from the admin page, where
 * it is stored sealed (lib/auth/secret-box `sealFor`) and never shown again —
 * only its email, which the admin shares each sheet with.
 */
import { createPrivateKey } from "node:crypto";
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../../db/client";
import { settings } from "../../../db/schema";
import { audit } from "../../audit";
import { assertCan } from "../../auth/permissions";
import { openFor, sealFor } from "../../auth/secret-box";
import { withTransaction, type StaffCtx } from "../../ctx";
import { getEnv } from "../../env";
import { AppError } from "../../errors";
import { effects, type VerbResult } from "../../verb";

export const SERVICE_ACCOUNT_SETTING = "sheets.service_account";
/** The sealed key's associated data: a ciphertext copied to another row or purpose fails to open. */
const BIND = `settings:${SERVICE_ACCOUNT_SETTING}`;
/** A key file is ~2.3 KB; anything far larger is not one. */
export const KEY_MAX_CHARS = 20_000;

/** The fields of a Google service-account key file that reading a sheet needs (the rest is kept as given). */
export const ServiceAccountKey = z.looseObject({
  type: z.literal("service_account", { error: 'This is not a service-account key: its "type" must be "service_account".' }),
  client_email: z.email({ error: 'The key has no valid "client_email".' }).max(254),
  private_key: z
    .string({ error: 'The key has no "private_key".' })
    .max(10_000)
    .refine((k) => {
      try {
        createPrivateKey(k);
        return true;
      } catch {
        return false;
      }
    }, 'The key\'s "private_key" is not a readable PEM private key.'),
  /** Read but not used: the token exchange goes to GOOGLE_TOKEN_URL (lib/env.ts), never to an address a pasted key names. */
  token_uri: z.url({ error: 'The key has no valid "token_uri".' }),
});
export type ServiceAccountKey = z.infer<typeof ServiceAccountKey>;

/** What the admin page may know: never the key, only whose it is and where it came from. */
export type ServiceAccountDTO =
  | { configured: false; fromEnv: false; clientEmail: null }
  | { configured: true; fromEnv: boolean; clientEmail: string; updatedAt: string | null };

type Stored = { sealed: string; clientEmail: string };

/** Parse a key file's text, every problem as a 400 with the field it is about. */
export function parseServiceAccountKey(text: string): ServiceAccountKey {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "Paste the whole JSON key file: this is not valid JSON.", { details: { fields: { key: "Not valid JSON." } } });
  }
  const parsed = ServiceAccountKey.safeParse(json);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? "This is not a service-account key.";
    throw new AppError("bad_request", message, { details: { fields: { key: message } } });
  }
  return parsed.data;
}

async function readStored(db: Db): Promise<{ value: Stored; updatedAt: Date } | null> {
  const [row] = await db.select().from(settings).where(eq(settings.key, SERVICE_ACCOUNT_SETTING));
  const v = row?.value as Partial<Stored> | undefined;
  if (!row || typeof v?.sealed !== "string" || typeof v.clientEmail !== "string") return null;
  return { value: { sealed: v.sealed, clientEmail: v.clientEmail }, updatedAt: row.updatedAt };
}

/**
 * The key to read sheets with (env first), or null when none is configured.
 * Throws `unavailable` when the stored key can't be opened (SESSION_SECRET
 * changed): the admin must paste it again.
 */
export async function loadServiceAccountKey(db: Db): Promise<ServiceAccountKey | null> {
  const fromEnv = getEnv().googleServiceAccountJson;
  if (fromEnv) return parseServiceAccountKey(fromEnv);
  const stored = await readStored(db);
  if (!stored) return null;
  const plain = openFor("sheets-service-account", BIND, stored.value.sealed);
  if (plain === null) throw new AppError("unavailable", "The saved service-account key can't be decrypted (was SESSION_SECRET changed?). Paste the key again.");
  return parseServiceAccountKey(plain);
}

/** Whether a key is configured, from where, and its email (the page's card). */
export async function getServiceAccount({ ctx }: { ctx: StaffCtx }): Promise<ServiceAccountDTO> {
  assertCan(ctx.actor, "crm.sheets");
  return describeServiceAccount(ctx.db);
}

export async function describeServiceAccount(db: Db): Promise<ServiceAccountDTO> {
  const fromEnv = getEnv().googleServiceAccountJson;
  if (fromEnv) {
    const key = ServiceAccountKey.safeParse(JSON.parse(fromEnv));
    return { configured: true, fromEnv: true, clientEmail: key.success ? key.data.client_email : "(invalid key in GOOGLE_SERVICE_ACCOUNT_JSON)", updatedAt: null };
  }
  const stored = await readStored(db);
  if (!stored) return { configured: false, fromEnv: false, clientEmail: null };
  return { configured: true, fromEnv: false, clientEmail: stored.value.clientEmail, updatedAt: stored.updatedAt.toISOString() };
}

export const SetServiceAccountInput = z.object({
  key: z.string({ error: "Paste the JSON key." }).trim().min(1, "Paste the JSON key.").max(KEY_MAX_CHARS, "This is far larger than a key file."),
});

function refuseWhenFromEnv() {
  if (getEnv().googleServiceAccountJson) {
    throw new AppError("conflict", "The key is set by GOOGLE_SERVICE_ACCOUNT_JSON on the server; change it there.");
  }
}

/** Store a service-account key, sealed. The answer names its email, never the key. */
export async function setServiceAccountKey({ ctx, input: raw }: { ctx: StaffCtx; input: unknown }): Promise<VerbResult<ServiceAccountDTO>> {
  assertCan(ctx.actor, "crm.sheets");
  const input = SetServiceAccountInput.parse(raw);
  refuseWhenFromEnv();
  const key = parseServiceAccountKey(input.key);
  const value: Stored = { sealed: sealFor("sheets-service-account", BIND, JSON.stringify(key)), clientEmail: key.client_email };
  await withTransaction(ctx, async (tx) => {
    await tx.db
      .insert(settings)
      .values({ key: SERVICE_ACCOUNT_SETTING, value, updatedById: ctx.actor.userId, updatedAt: ctx.now })
      .onConflictDoUpdate({ target: settings.key, set: { value, updatedById: ctx.actor.userId, updatedAt: ctx.now } });
    await audit(tx, "sheets.service_account_set", null, { clientEmail: key.client_email });
  });
  return { result: { configured: true, fromEnv: false, clientEmail: key.client_email, updatedAt: ctx.now.toISOString() }, effects: effects() };
}

/** Forget the stored key: the sources stop reading (their errors say why) until a new one is set. */
export async function clearServiceAccountKey({ ctx }: { ctx: StaffCtx }): Promise<VerbResult<ServiceAccountDTO>> {
  assertCan(ctx.actor, "crm.sheets");
  refuseWhenFromEnv();
  await withTransaction(ctx, async (tx) => {
    const gone = await tx.db.delete(settings).where(eq(settings.key, SERVICE_ACCOUNT_SETTING)).returning({ key: settings.key });
    if (gone.length) await audit(tx, "sheets.service_account_clear", null, {});
  });
  return { result: { configured: false, fromEnv: false, clientEmail: null }, effects: effects() };
}
