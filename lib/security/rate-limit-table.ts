/**
 * Import-free of the rest of lib/security (security-settings.ts validates
 * stored limits against it; rate-limits.ts applies them).
 */

/**
 * Every public and visitor entry point's limit, in one place: `points`
 * requests (or frames) per `seconds`, per client (an IP — an IPv6 /64 — for
 * HTTP; the visitor or staff member for a socket's frames).
 */
export const RATE_LIMITS = {
  /** The contact form: starting (or resuming) a chat. */
  chatStart: { points: 10, seconds: 60 },
  /** Other visitor HTTP calls: session resume, history pages, attachments. */
  visitorApi: { points: 120, seconds: 60 },
  upload: { points: 10, seconds: 60 },
  /** Web-form leads (POST /api/web-leads): a person submits a form a few times at most; a script, many. */
  webLead: { points: 20, seconds: 60 },
  signIn: { points: 20, seconds: 60 },
  /** Chat messages over the socket: a fast typist sends a few a second, never 30 in 10 s. */
  wsSend: { points: 30, seconds: 10 },
  /** Typing frames: the client sends one per 2 s at most. */
  wsTyping: { points: 20, seconds: 10 },
  /** Delivered/read receipts. */
  wsReceipt: { points: 120, seconds: 10 },
  /** WebSocket upgrades per IP. */
  wsConnect: { points: 60, seconds: 60 },
} as const satisfies Record<string, { points: number; seconds: number }>;
export type LimitName = keyof typeof RATE_LIMITS;

/** What the Security page accepts for a limit: 1–100,000 requests per 1 s–24 h. */
export const RATE_LIMIT_BOUNDS = { points: { min: 1, max: 100_000 }, seconds: { min: 1, max: 86_400 } } as const;
