import type { StaffRole } from "@/db/schema";
import type { StaffKind, StaffListPage } from "@/lib/staff/list-staff";
import { apiRequest } from "@/components/ui/api";

export type StaffListQuery = { kind: StaffKind; q?: string; status?: string; role?: string; after?: string; before?: string; limit?: string };

export type CreateStaffBody = {
  role: StaffRole;
  displayName: string;
  email: string;
  username: string;
  password: string;
  activeChatLimit?: number;
  offlineChatLimit?: number;
  liveChatEnabled?: boolean;
  crmEnabled?: boolean;
};

export type UpdateStaffBody = Partial<Omit<CreateStaffBody, "password">> & { disabled?: boolean; version?: string };

/** The Agents and Staff pages' calls (app/api/staff/**). */
export const staffApi = {
  listUrl(q: StaffListQuery): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v) qs.set(k, v);
    return `/api/staff?${qs}`;
  },
  list: (q: StaffListQuery, signal?: AbortSignal) => apiRequest<StaffListPage>(staffApi.listUrl(q), { signal }),
  create: (body: CreateStaffBody) => apiRequest<{ userId: number }>("/api/staff", { method: "POST", json: body }),
  update: (id: number, body: UpdateStaffBody) => apiRequest<{ userId: number }>(`/api/staff/${id}`, { method: "PATCH", json: body }),
  resetPassword: (id: number, password: string) => apiRequest<{ userId: number; released: number }>(`/api/staff/${id}/password`, { method: "POST", json: { password } }),
  signOut: (id: number) => apiRequest<{ released: number }>(`/api/staff/${id}/sign-out`, { method: "POST" }),
  changeOwnPassword: (currentPassword: string, newPassword: string) =>
    apiRequest<{ ok: true }>("/api/staff/me/password", { method: "POST", json: { currentPassword, newPassword } }),
};
