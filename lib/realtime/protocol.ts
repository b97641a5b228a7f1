import { z } from "zod";

/**
 * The ws protocol. Every client frame is parsed with `ClientMessage` before
 * anything else looks at it; the widget and browser clients import types only.
 */
export const MAX_FRAME_BYTES = 16 * 1024;

export const ClientMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ping"), ref: z.string().max(64).optional() }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

export type ServerMessage =
  | { type: "hello"; role: "visitor" | "admin" | "manager" | "agent" | "qa"; userId?: number; visitorId?: number }
  | { type: "pong"; ref?: string }
  | { type: "error"; ref?: string; code: string; message: string };

/** Close codes the clients understand. */
export const CLOSE = {
  /** Session ended (sign-out, force-logout, disabled): do not reconnect. */
  signedOut: 4001,
  /** Server restarting: reconnect with backoff. */
  restart: 1012,
} as const;
