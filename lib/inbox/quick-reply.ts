import { z } from "zod";
import { quickReplies } from "../../db/schema";

/** Product brief: "Each agent saves up to 5 canned replies." */
import { MAX_QUICK_REPLIES, QUICK_REPLY_MAX_CHARS } from "../constants";
import { DbId } from "../validation";
export { MAX_QUICK_REPLIES, QUICK_REPLY_MAX_CHARS };

export const QuickReplyBody = z
  .string()
  .trim()
  .min(1, "A quick reply can't be empty.")
  .max(QUICK_REPLY_MAX_CHARS, `A quick reply is at most ${QUICK_REPLY_MAX_CHARS} characters.`);

export const QuickReplyId = DbId;

export type QuickReplyDTO = { id: number; body: string; position: number };

export function toQuickReplyDTO(r: typeof quickReplies.$inferSelect): QuickReplyDTO {
  return { id: r.id, body: r.body, position: r.position };
}
