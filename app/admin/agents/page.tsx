import { AgentsPage } from "@/components/back-office/AgentsPage";
import { requireSection } from "@/lib/console/page";

export const dynamic = "force-dynamic";
export const metadata = { title: "Agents · OnlineChatCRM" };

export default async function AgentsSection() {
  await requireSection("admin", "agents");
  return <AgentsPage />;
}
