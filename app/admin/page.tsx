import { OverviewPage } from "@/components/back-office/overview/OverviewPage";
import { requireSection } from "@/lib/console/page";

export const dynamic = "force-dynamic";
export const metadata = { title: "Overview · OnlineChatCRM" };

export default async function AdminHome() {
  await requireSection("admin", "overview");
  return <OverviewPage />;
}
