import { clearServiceAccountKey, getServiceAccount, setServiceAccountKey } from "@/lib/crm/sheets/service-account";
import { applyEffects } from "@/lib/effects";
import { readJson, withStaff } from "@/lib/http";

// GET /api/crm/sheets/service-account – configured or not, from the environment or not, and the email to share sheets with (never the key)
export const GET = withStaff({ permission: "crm.sheets" }, async ({ ctx }) =>
  Response.json(await getServiceAccount({ ctx }), { headers: { "Cache-Control": "no-store" } }),
);

// PUT /api/crm/sheets/service-account – set the service-account key ({ key: "<the JSON file's text>" }); stored encrypted, never shown again
export const PUT = withStaff({ permission: "crm.sheets" }, async ({ req, ctx }) => {
  const { result, effects } = await setServiceAccountKey({ ctx, input: await readJson(req) });
  await applyEffects(ctx, effects);
  return Response.json(result);
});

// DELETE /api/crm/sheets/service-account – forget the stored key
export const DELETE = withStaff({ permission: "crm.sheets" }, async ({ ctx }) => {
  const { result, effects } = await clearServiceAccountKey({ ctx });
  await applyEffects(ctx, effects);
  return Response.json(result);
});
