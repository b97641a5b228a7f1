/** 30 s: an agent's refresh or network blip must be invisible (product brief). */
export const AGENT_GRACE_MS = 30_000;
/** The agent-grace sweeper runs this often (lib/jobs/routing-jobs.ts). */
export const AGENT_GRACE_SWEEP_MS = 5_000;
/** 5 min without a console heartbeat while holding open chats → signed out (product brief). */
export const AGENT_INACTIVITY_MS = 5 * 60_000;
/** An instance refreshes its presence rows this often… */
export const PRESENCE_HEARTBEAT_MS = 10_000;
/** …and rows older than this belong to a dead instance. */
export const PRESENCE_STALE_MS = 30_000;
/** The one round-robin rotation (persisted, so it survives restarts). */
export const CURSOR_KEY = "global";
