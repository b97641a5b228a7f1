/**
 * Numbers the server and the browser clients (consoles, visitor page, later
 * the widget) must agree on. Zod-free and import-free, so a client bundle can
 * import it without pulling in server code.
 */

/** WebSocket close codes the clients understand. */
export const CLOSE = {
  /** Server restarting: reconnect with backoff. */
  restart: 1012,
  /** Session ended (sign-out, force-logout, disabled, password reset): do not reconnect. */
  signedOut: 4001,
  /**
   * The user's rights changed in a way an open console can't follow (a new
   * role): do not reconnect with this page; reload it so the server routes the
   * user to the console they may now use.
   */
  rightsChanged: 4003,
} as const;

/** Largest ws frame the server accepts. */
export const MAX_FRAME_BYTES = 16 * 1024;
/** Longest chat message. */
export const MAX_BODY_CHARS = 4000;
/** Product brief: each agent keeps up to 5 quick replies… */
export const MAX_QUICK_REPLIES = 5;
/** …of at most this many characters each. */
export const QUICK_REPLY_MAX_CHARS = 1000;
/** Chat images: 5 MB at most. */
export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
/** Product brief: history loads 30 messages a page. */
export const MESSAGE_PAGE_SIZE = 30;
/** Product brief: inbox buckets load 20 chats a page. */
export const BUCKET_PAGE_SIZE = 20;
/** Longest inbox search. */
export const SEARCH_MAX_CHARS = 100;

/** Product brief: the typing pill clears 5 s after the last keystroke. */
export const TYPING_CLEAR_MS = 5_000;
/** A typist sends at most one "typing" frame this often. */
export const TYPING_SEND_EVERY_MS = 2_000;
/** A client that heard no ack for a send this long shows it as failed (with retry). */
export const ACK_TIMEOUT_MS = 10_000;
/** Staff consoles send a heartbeat this often (the 5-minute inactivity rule). */
export const STAFF_HEARTBEAT_MS = 60_000;
