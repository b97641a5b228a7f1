import { Suspense } from "react";
import { StaffDirectory } from "./StaffDirectory";

/** Admin and manager consoles' Staff section: admins, managers and QA analysts (app/admin/staff, app/manager/staff). */
export function StaffPage() {
  return (
    <Suspense fallback={<p className="text-sm text-slate-500">Loading staff…</p>}>
      <StaffDirectory kind="staff" />
    </Suspense>
  );
}
