/**
 * The agent console's five buckets and which one a chat belongs to, for one
 * viewing agent. Pure and import-free so the browser uses the same rule as the
 * server when a live `conversation` frame moves a chat between buckets.
 */
export const BUCKETS = ["active", "offline", "closed", "unassigned", "others"] as const;
export type Bucket = (typeof BUCKETS)[number];

export const BUCKET_LABEL: Record<Bucket, string> = {
  active: "Active",
  offline: "Offline",
  closed: "Closed",
  unassigned: "Unassigned",
  others: "Others",
};

/** Where a chat shows up for agent `userId`; null when it's in none of their buckets (AI-owned, another agent's closed chat). */
export function bucketOf(c: { status: "queued" | "active" | "offline" | "closed"; assigneeId: number | null }, userId: number): Bucket | null {
  if (c.status === "queued") return "unassigned";
  if (c.assigneeId === null) return null;
  if (c.assigneeId === userId) return c.status;
  return c.status === "closed" ? null : "others";
}

import { SEARCH_MAX_CHARS } from "../constants";
export { SEARCH_MAX_CHARS };

/**
 * Phone search: when the query is "phone-like" (digits with spaces, +, dashes,
 * dots, brackets), the digit strings to look for inside the stored E.164
 * digits. A national trunk 0 ("07700 900123") is also tried without the 0,
 * since E.164 drops it ("+447700900123").
 */
export function phoneDigits(q: string): string[] | null {
  if (!/^[\d\s+().-]+$/.test(q)) return null;
  const digits = q.replace(/\D/g, "");
  if (!digits) return null;
  return digits.length > 3 && digits.startsWith("0") ? [digits, digits.replace(/^0+/, "")] : [digits];
}

/** The server's search rule, for deciding client-side whether a live chat belongs in a filtered list. */
export function matchesSearch(c: { visitor: { name: string; phone: string } }, q: string): boolean {
  const t = q.trim();
  if (!t) return true;
  if (c.visitor.name.toLowerCase().includes(t.toLowerCase())) return true;
  const stored = c.visitor.phone.replace(/\D/g, "");
  return (phoneDigits(t) ?? []).some((d) => d && stored.includes(d));
}
