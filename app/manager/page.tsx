import { OverviewPage } from "@/components/back-office/overview/OverviewPage";
import { requireSection } from "@/lib/console/page";

export const dynamic = "force-dynamic";
export const metadata = { title: "Overview · OnlineChatCRM" };

export default async function ManagerHome() {
  await requireSection("manager", "overview");
  return <OverviewPage />;
}
