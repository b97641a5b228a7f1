import fs from "node:fs";
import { Readable } from "node:stream";
import { getRejectedRowsFile } from "@/lib/crm/csv-import";
import { withStaff } from "@/lib/http";

// GET /api/crm/imports/[id]/rejected – the rejected rows and their reasons, as CSV
export const GET = withStaff<{ id: string }>({ permission: "crm.import" }, async ({ ctx, params }) => {
  const file = await getRejectedRowsFile({ ctx, input: params.id });
  const stat = await fs.promises.stat(file.path);
  return new Response(Readable.toWeb(fs.createReadStream(file.path)) as ReadableStream, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Length": String(stat.size),
      "Content-Disposition": `attachment; filename="${file.downloadName}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
});
