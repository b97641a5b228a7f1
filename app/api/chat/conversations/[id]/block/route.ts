import { applyEffects } from "@/lib/effects";
import { readJson, withStaff } from "@/lib/http";
import { refreshIpBlocks } from "@/lib/security/ip-blocks";
import { blockVisitor } from "@/lib/security-admin/block-visitor";

// POST /api/chat/conversations/:id/block {reason} – block the chat's visitor by the IP captured at chat start, and close the chat
export const POST = withStaff<{ id: string }>({ permission: "visitor.block" }, async ({ ctx, req, params }) => {
  const body = await readJson(req);
  const { result, effects } = await blockVisitor({ ctx, input: { ...(body as object), conversationId: params.id } });
  await applyEffects(ctx, effects);
  // Only now: the visitor has been told the chat ended before the block closes their socket.
  await refreshIpBlocks(ctx.db, ctx.now);
  return Response.json(result);
});
