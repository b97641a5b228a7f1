import { redirect } from "next/navigation";
import { SheetsPage } from "@/components/back-office/crm-sheets/SheetsPage";
import { can } from "@/lib/auth/permissions";
import { requireSection } from "@/lib/console/page";
import { staffActor } from "@/lib/ctx";

export const dynamic = "force-dynamic";
export const metadata = { title: "Google Sheets leads · OnlineChatCRM" };

export default async function AdminCrmSheets() {
  const user = await requireSection("admin", "crm", "/admin/crm/sheets");
  if (!can(staffActor(user), "crm.sheets")) redirect("/admin/crm");
  return <SheetsPage crmHref="/admin/crm" />;
}
