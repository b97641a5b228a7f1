/**
 * What the Chats table's filters share with the browser. Import-free (no
 * zod, no drizzle), so client components can import it.
 */

/**
 * The pills above the Chats table. "assigned" is a chat a human is working
 * (active with a staff assignee); the AI's chats are found with the agent
 * filter ("AI agent").
 */
export const CHAT_PILLS = ["all", "assigned", "unassigned", "offline", "closed"] as const;
export type ChatPill = (typeof CHAT_PILLS)[number];

/** The agent filter's value for chats the AI owns (a virtual agent). */
export const AI_AGENT = "ai";
