import { CrmPage } from "@/components/back-office/crm/CrmPage";
import { requireSection } from "@/lib/console/page";

export const dynamic = "force-dynamic";
export const metadata = { title: "CRM · OnlineChatCRM" };

export default async function CrmSection() {
  await requireSection("qa", "crm");
  return <CrmPage console="qa" />;
}
