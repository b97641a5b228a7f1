import { sql } from "drizzle-orm";
import { getDbHandle } from "@/db/client";

export const dynamic = "force-dynamic";

/** Liveness + database check. `dbInstance` lets start-up prove one shared db instance. */
export async function GET() {
  try {
    const h = await getDbHandle();
    await h.db.execute(sql`select 1`);
    return Response.json({ ok: true, db: h.kind, dbInstance: h.instanceId });
  } catch {
    return Response.json({ ok: false }, { status: 503 });
  }
}
