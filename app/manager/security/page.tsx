import { SecurityPage } from "@/components/back-office/security/SecurityPage";
import { requireSection } from "@/lib/console/page";

export const dynamic = "force-dynamic";
export const metadata = { title: "Security · OnlineChatCRM" };

export default async function SecuritySection() {
  await requireSection("manager", "security");
  return <SecurityPage />;
}
