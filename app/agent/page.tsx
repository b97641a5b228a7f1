import { requireConsole } from "@/lib/auth/page";

export const dynamic = "force-dynamic";

export default async function AgentHome() {
  const user = await requireConsole("agent", "/agent");
  return <p className="text-slate-600">Welcome, {user.displayName}.</p>;
}
