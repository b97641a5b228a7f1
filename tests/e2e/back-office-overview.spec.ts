import type { BrowserContext, Page } from "@playwright/test";
import { ADMIN, expect, signInAs, test, type Account } from "./helpers";
import { newVisitor, staffContext, startChat, startOwnServer, visitorContext, type OwnServer } from "./chat-helpers";

/**
 * The Overview, live: an admin keeps it open on a fresh install (it says what
 * to do first); a visitor starts a chat and the totals and queue change
 * without a reload; an agent signs in elsewhere and the agents grid shows
 * them online, then holding the chat the queue handed them. A server of its
 * own: its numbers start from zero. With E2E_SCREENSHOTS=<dir>, the page is
 * saved there at desktop and phone width.
 */
const AGENT: Account = { role: "agent", email: "olive.ov@example.test", username: "olive_ov", password: "ov-Olive-pw-8", displayName: "Olive Overview" };

test.describe.configure({ mode: "serial" });

let server: OwnServer;
const contexts: BrowserContext[] = [];
let admin: Page;

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  server = await startOwnServer({ accounts: [{ ...AGENT, activeChatLimit: 3 }], name: "overview" });
  const ctx = await staffContext(browser, server.baseURL);
  contexts.push(ctx);
  admin = await ctx.newPage();
  await admin.goto("/login");
  await signInAs(admin, ADMIN);
});

test.afterAll(async () => {
  for (const ctx of contexts) await ctx.close().catch(() => undefined);
  await server?.dispose();
});

const stat = (page: Page, id: "chats" | "queue" | "wait" | "agents") => page.getByTestId(`stat-${id}`).locator("dd");
const agentCard = (page: Page, name: string) => page.getByRole("list", { name: "Agents" }).getByRole("listitem", { name });

async function screenshots(page: Page, name: string) {
  const dir = process.env.E2E_SCREENSHOTS;
  if (!dir) return;
  await page.screenshot({ path: `${dir}/${name}-desktop.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${dir}/${name}-phone.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}

test("a fresh install's Overview says what to do next", async () => {
  await expect(admin.getByRole("heading", { name: "Overview" })).toBeVisible();
  const start = admin.getByRole("region", { name: /No chats yet/ });
  await expect(start).toBeVisible();
  await expect(start.getByRole("link", { name: "Manage agents" })).toHaveAttribute("href", "/admin/agents");
  await expect(start.getByRole("link", { name: /Open the visitor page/ })).toHaveAttribute("href", "/p/default");
  await expect(stat(admin, "chats")).toHaveText("0");
  await expect(stat(admin, "queue")).toHaveText("0");
  await expect(agentCard(admin, AGENT.displayName)).toContainText("Offline");
  await screenshots(admin, "overview-fresh");
});

test("a visitor's new chat shows in the totals and the queue without a reload", async ({ browser }) => {
  const ctx = await visitorContext(browser, server.baseURL);
  contexts.push(ctx);
  const visitor = await ctx.newPage();
  await startChat(visitor, newVisitor("Otto"));

  await expect(stat(admin, "chats")).toHaveText("1");
  await expect(stat(admin, "queue")).toHaveText("1");
  await expect(stat(admin, "wait")).toHaveText(/\d+ (s|min)/);
  await expect(admin.getByRole("region", { name: /No chats yet/ })).toHaveCount(0);
  await expect(admin.getByTestId("chats-by-status-queued").locator("dd")).toHaveText("1");
  await expect(admin.getByTestId("funnel-all")).toContainText("1");
});

test("an agent signing in elsewhere shows online in the grid, then holding the queued chat", async ({ browser }) => {
  const ctx = await staffContext(browser, server.baseURL);
  contexts.push(ctx);
  const agent = await ctx.newPage();
  await agent.goto("/login");
  await signInAs(agent, AGENT);

  const card = agentCard(admin, AGENT.displayName);
  await expect(card).toContainText("Online");
  // The queue drained to them: their load and the totals follow, still without a reload.
  await expect(card.getByRole("meter", { name: "Active chats" })).toHaveAttribute("aria-valuetext", "1 of 3");
  await expect(stat(admin, "queue")).toHaveText("0");
  await expect(stat(admin, "agents")).toHaveText("1 of 1");
  await expect(admin.getByTestId("chats-by-status-active").locator("dd")).toHaveText("1");

  // Signing out: they are offline at once (no refresh grace for a deliberate exit), and their chat is back in the queue.
  await agent.getByRole("button", { name: "Sign out" }).click();
  await expect(card).toContainText("Offline");
  await expect(card.getByRole("meter", { name: "Active chats" })).toHaveAttribute("aria-valuetext", "0 of 3");
  await expect(stat(admin, "queue")).toHaveText("1");
  await screenshots(admin, "overview-live");
});

test("the range lives in the URL and the chart has a bar per day", async () => {
  await admin.getByRole("group", { name: "Date range" }).getByRole("button", { name: "7 days" }).click();
  await expect(admin).toHaveURL(/[?&]range=7d/);
  const chart = admin.getByRole("img", { name: "Chats per day" });
  await expect(chart.locator("g[data-day]")).toHaveCount(7);
  await expect(stat(admin, "chats")).toHaveText("1");

  await admin.getByRole("button", { name: "Custom" }).click();
  await admin.getByLabel("From").fill("2020-01-01");
  await admin.getByLabel("To").fill("2020-01-03");
  await admin.getByRole("button", { name: "Apply" }).click();
  await expect(admin).toHaveURL(/range=custom&from=2020-01-01&to=2020-01-03/);
  await expect(chart.locator("g[data-day]")).toHaveCount(3);
  await expect(stat(admin, "chats")).toHaveText("0");
  // The queue is "now", whatever the range.
  await expect(stat(admin, "queue")).toHaveText("1");

  await admin.reload();
  await expect(admin.getByRole("img", { name: "Chats per day" }).locator("g[data-day]")).toHaveCount(3);
});
