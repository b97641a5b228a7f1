import { StaffPage } from "@/components/back-office/StaffPage";
import { requireSection } from "@/lib/console/page";

export const dynamic = "force-dynamic";
export const metadata = { title: "Staff · OnlineChatCRM" };

export default async function StaffSection() {
  await requireSection("admin", "staff");
  return <StaffPage />;
}
