import { applyEffects } from "@/lib/effects";
import { withStaff } from "@/lib/http";
import { unblockAddress } from "@/lib/security-admin";
import { DbId } from "@/lib/validation";

// DELETE /api/security/blocks/:id – lift a block (the permission creating it needed)
export const DELETE = withStaff<{ id: string }>({ permission: ["visitor.block", "security.manage"] }, async ({ ctx, params }) => {
  const { result, effects } = await unblockAddress({ ctx, input: { id: DbId.parse(params.id) } });
  await applyEffects(ctx, effects);
  return Response.json(result);
});
