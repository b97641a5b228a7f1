import { redirect } from "next/navigation";
import { CsvImport } from "@/components/back-office/crm-import/CsvImport";
import { can } from "@/lib/auth/permissions";
import { requireSection } from "@/lib/console/page";
import { staffActor } from "@/lib/ctx";

export const dynamic = "force-dynamic";
export const metadata = { title: "Import leads · OnlineChatCRM" };

export default async function AdminCrmImport() {
  const user = await requireSection("admin", "crm", "/admin/crm/import");
  if (!can(staffActor(user), "crm.import")) redirect("/admin/crm");
  return <CsvImport console="admin" />;
}
