import { redirect } from "next/navigation";
import type { MarketingTab } from "@/components/back-office/marketing/MarketingTabs";
import { TagsPage } from "@/components/back-office/marketing/TagsPage";
import { can } from "@/lib/auth/permissions";
import { requireSection } from "@/lib/console/page";
import { staffActor } from "@/lib/ctx";

export const dynamic = "force-dynamic";
export const metadata = { title: "Tags · Marketing · OnlineChatCRM" };

export default async function ManagerMarketing() {
  const user = await requireSection("manager", "marketing");
  const actor = staffActor(user);
  // The section opens with either permission; without tags, its first tab is Conversions.
  if (!can(actor, "marketing.tags")) redirect("/manager/marketing/conversions");
  const tabs: MarketingTab[] = can(actor, "marketing.conversions") ? ["tags", "conversions"] : ["tags"];
  return <TagsPage base="/manager/marketing" tabs={tabs} />;
}
