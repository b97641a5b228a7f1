import type { ProjectDTO } from "@/lib/project-admin/get-project";
import type { ProjectListPage } from "@/lib/project-admin/list-projects";
import { apiRequest } from "@/components/ui/api";

export type ProjectBody = {
  slug?: string;
  title?: string;
  subtitle?: string;
  accentColor?: string;
  welcomeHeading?: string;
  welcomeMessage?: string;
  formHeading?: string;
  formDescription?: string;
  /** The textarea's text, one origin per line. */
  allowedOrigins?: string;
  aiInstructions?: string;
  widgetPosition?: "right" | "left";
  isDefault?: boolean;
  version?: string;
};

/** The Projects pages' calls (app/api/projects/**). */
export const projectsApi = {
  listUrl(q: { q?: string; after?: string; before?: string; limit?: string }): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v) qs.set(k, v);
    return `/api/projects?${qs}`;
  },
  list: (url: string) => apiRequest<ProjectListPage>(url),
  get: (id: number, signal?: AbortSignal) => apiRequest<ProjectDTO>(`/api/projects/${id}`, { signal }),
  create: (body: ProjectBody) => apiRequest<ProjectDTO>("/api/projects", { method: "POST", json: body }),
  update: (id: number, body: ProjectBody) => apiRequest<ProjectDTO>(`/api/projects/${id}`, { method: "PATCH", json: body }),
  clone: (id: number, body: { slug: string; title?: string }) => apiRequest<ProjectDTO>(`/api/projects/${id}/clone`, { method: "POST", json: body }),
  makeDefault: (id: number) => apiRequest<ProjectDTO>(`/api/projects/${id}/default`, { method: "POST" }),
  uploadIcon: (id: number, file: File) => {
    const form = new FormData();
    form.set("file", file);
    return apiRequest<ProjectDTO>(`/api/projects/${id}/icon`, { method: "POST", body: form });
  },
  removeIcon: (id: number) => apiRequest<ProjectDTO>(`/api/projects/${id}/icon`, { method: "DELETE" }),
};
