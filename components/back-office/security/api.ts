import type { AuditLogPage } from "@/lib/audit-log";
import type { BlockResult } from "@/lib/security-admin/block-address";
import type { SecurityPageSettings } from "@/lib/security-admin/get-security-settings";
import type { AllowEntry } from "@/lib/security/security-settings";
import type { RuleSettings } from "@/lib/security/rules";
import type { StrikeRule } from "@/db/schema";
import { apiRequest } from "@/components/ui/api";

export type { AuditLogPage, SecurityPageSettings };

/** A URL with the non-empty query values. */
export function withQuery(path: string, q: Record<string, string | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) qs.set(k, v);
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

/** The Security page's calls (app/api/security/**). */
export const securityApi = {
  settingsUrl: "/api/security/settings",
  blocksUrl: (q: Record<string, string | undefined>) => withQuery("/api/security/blocks", q),
  strikesUrl: (q: Record<string, string | undefined>) => withQuery("/api/security/strikes", q),
  auditUrl: (q: Record<string, string | undefined>) => withQuery("/api/security/audit-log", q),
  updateRules: (change: Partial<Record<StrikeRule, Partial<RuleSettings>>>) =>
    apiRequest<{ strikeRules: Record<StrikeRule, RuleSettings> }>("/api/security/settings", { method: "PATCH", json: change }),
  updateRateLimits: (change: Record<string, { points?: number | string; seconds?: number | string }>) =>
    apiRequest<{ rateLimits: Record<string, { points: number; seconds: number }> }>("/api/security/rate-limits", { method: "PATCH", json: change }),
  updateAllowList: (entries: { address: string; note: string }[]) =>
    apiRequest<{ entries: AllowEntry[] }>("/api/security/allow-list", { method: "PUT", json: { entries } }),
  block: (body: { address: string; reason: string; expiresAt?: string | null }) =>
    apiRequest<BlockResult>("/api/security/blocks", { method: "POST", json: body }),
  unblock: (id: number) => apiRequest<{ unblocked: number[] }>(`/api/security/blocks/${id}`, { method: "DELETE" }),
};
