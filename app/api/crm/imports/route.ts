import { getImportOptions, uploadLeadImport } from "@/lib/crm/csv-import";
import { IMPORT_LIMITS } from "@/lib/crm/csv-import-file";
import { applyEffects } from "@/lib/effects";
import { AppError } from "@/lib/errors";
import { withStaff } from "@/lib/http";

// GET /api/crm/imports – the upload form's choices: projects, and the uploader's last mapping
export const GET = withStaff({ permission: "crm.import" }, async ({ ctx }) => Response.json(await getImportOptions({ ctx })));

// POST /api/crm/imports?fileName=… – upload a CSV of leads (the file is the request body, streamed to disk; nothing is imported yet)
export const POST = withStaff({ permission: "crm.import" }, async ({ req, ctx }) => {
  if (Number(req.headers.get("content-length") ?? 0) > IMPORT_LIMITS.maxBytes) {
    throw new AppError("payload_too_large", `The file is larger than ${IMPORT_LIMITS.maxBytes / 1024 / 1024} MB.`);
  }
  const fileName = new URL(req.url).searchParams.get("fileName") ?? "";
  const { result, effects } = await uploadLeadImport({ ctx, input: { fileName }, body: req.body });
  await applyEffects(ctx, effects);
  return Response.json(result, { status: 201 });
});
