import { redirect } from "next/navigation";
import { ConversionsPage } from "@/components/back-office/marketing/ConversionsPage";
import type { MarketingTab } from "@/components/back-office/marketing/MarketingTabs";
import { can } from "@/lib/auth/permissions";
import { requireSection } from "@/lib/console/page";
import { staffActor } from "@/lib/ctx";

export const dynamic = "force-dynamic";
export const metadata = { title: "Conversions · Marketing · OnlineChatCRM" };

export default async function AdminConversions() {
  const user = await requireSection("admin", "marketing", "/admin/marketing/conversions");
  const actor = staffActor(user);
  if (!can(actor, "marketing.conversions")) redirect("/admin/marketing");
  const tabs: MarketingTab[] = can(actor, "marketing.tags") ? ["tags", "conversions"] : ["conversions"];
  return <ConversionsPage base="/admin/marketing" tabs={tabs} />;
}
