import { CrmPage } from "@/components/back-office/crm/CrmPage";
import { can } from "@/lib/auth/permissions";
import { requireSection } from "@/lib/console/page";
import { staffActor } from "@/lib/ctx";

export const dynamic = "force-dynamic";
export const metadata = { title: "CRM · OnlineChatCRM" };

export default async function CrmSection() {
  const user = await requireSection("admin", "crm");
  return <CrmPage console="admin" importHref="/admin/crm/import" sheetsHref={can(staffActor(user), "crm.sheets") ? "/admin/crm/sheets" : undefined} />;
}
