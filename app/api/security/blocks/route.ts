import { applyEffects } from "@/lib/effects";
import { readJson, withStaff } from "@/lib/http";
import { blockAddress, listBlocks } from "@/lib/security-admin";

// GET /api/security/blocks?status=active|expired|all&source=&rule=&q=&after=|before=&limit= – one page of blocked addresses
export const GET = withStaff({ permission: "security.view" }, async ({ ctx, req }) => {
  const query = Object.fromEntries(new URL(req.url).searchParams);
  return Response.json(await listBlocks({ ctx, input: query }), { headers: { "Cache-Control": "no-store" } });
});

// POST /api/security/blocks {address, reason, expiresAt?} – block an address or a CIDR range (a range wider than one client needs security.manage)
export const POST = withStaff({ permission: ["visitor.block", "security.manage"] }, async ({ ctx, req }) => {
  const { result, effects } = await blockAddress({ ctx, input: await readJson(req) });
  await applyEffects(ctx, effects);
  return Response.json(result, { status: result.created ? 201 : 200 });
});
