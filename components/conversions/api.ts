import type { TablePage } from "@/lib/console/table";
import type { ConversionConfigDTO, ConversionConfigUpdate, ConversionEventDTO, ConversionPlatform, ConversionStatus } from "@/lib/conversions/types";
import type { ProjectListPage } from "@/lib/project-admin/list-projects";
import { apiRequest } from "@/components/ui/api";

export type { ConversionConfigDTO, ConversionConfigUpdate, ConversionEventDTO, ConversionPlatform, ConversionStatus, ProjectListPage };

const BASE = "/api/marketing/conversions";

function withQuery(path: string, q: Record<string, string | number | undefined | null>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== "") qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

/** Marketing → Conversions' calls (app/api/marketing/conversions/**, contract in lib/conversions/types.ts). */
export const conversionsApi = {
  /** The project picker: the Projects table's own list (an install has a handful; the first 100 by slug, searchable). */
  projectsUrl: (q: string) => withQuery("/api/projects", { q, limit: 100 }),
  configUrl: (projectId: number) => withQuery(BASE, { projectId }),
  eventsUrl: (q: { projectId: number; platform?: string; status?: string; after?: string; before?: string; limit?: string }) => withQuery(`${BASE}/events`, q),
  save: (body: ConversionConfigUpdate) => apiRequest<ConversionConfigDTO>(BASE, { method: "PUT", json: body }),
  sendTest: (projectId: number, platform: ConversionPlatform) => apiRequest<ConversionEventDTO>(`${BASE}/test`, { method: "POST", json: { projectId, platform } }),
};

export const PLATFORM_LABEL: Record<ConversionPlatform, string> = { meta: "Meta", ga4: "GA4" };

/** The delivery log's status pills: the same ring tokens as the Chats table's status. */
export const STATUS_PILL: Record<ConversionStatus, { label: string; className: string }> = {
  queued: { label: "Queued", className: "bg-amber-50 text-amber-800 ring-amber-200" },
  sent: { label: "Sent", className: "bg-emerald-50 text-emerald-800 ring-emerald-200" },
  failed: { label: "Failed", className: "bg-red-50 text-red-700 ring-red-200" },
  expired: { label: "Expired", className: "bg-slate-100 text-slate-600 ring-slate-200" },
};

/** Meta's standard events a stage may send (a stored custom name is offered too); GA4's fixed event per stage. */
export { META_STANDARD_EVENTS as META_EVENTS, GA4_EVENT_NAMES as GA4_EVENTS } from "@/lib/conversions/types";
