import fs from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "@playwright/test";
import { ADMIN, expect, signInAs, submitSignIn, test, type Account } from "./helpers";
import { newVisitor, PHONE, sendText, staffContext, startChat, startOwnServer, visitorContext, type OwnServer, type StaffSeed } from "./chat-helpers";

/**
 * The back office's Chats table as people use it: pills, search and the
 * rows selector in the URL (Back walks them back), Prev / Next, a row opening
 * its chat at /admin/chats/<id>, a signed-out deep link landing on that chat
 * after signing in, and the manager's console showing the same page. A
 * server of its own, seeded with 45 chats in one project. With
 * E2E_SCREENSHOTS=<dir>, the page is saved there at desktop and phone width.
 */
const MANAGER: StaffSeed = { role: "manager", email: "max.chats@example.test", username: "max_chats", password: "chats-Max-pw-8", displayName: "Max Manager" };
const AGENT: StaffSeed = { role: "agent", email: "ada.chats@example.test", username: "ada_chats", password: "chats-Ada-pw-9", displayName: "Ada Tableagent" };
const TOTAL = 45;
/**
 * Chat i (0 = newest): closed (by the agent) when i % 4 === 3, so 11 closed
 * chats; the rest queued. Only states no sweeper moves while the test runs:
 * the agent never signs in, so nothing routes and nothing is released.
 */
const isClosed = (i: number) => i % 4 === 3;
const CLOSED = Array.from({ length: TOTAL }, (_, i) => i).filter(isClosed).length;
const QUEUED = TOTAL - CLOSED;

test.describe.configure({ mode: "serial" });

let server: OwnServer;
const contexts: BrowserContext[] = [];
let admin: Page;
/** Conversation ids, newest first. */
let ids: number[] = [];

test.beforeAll(async () => {
  test.setTimeout(120_000);
  server = await startOwnServer({
    accounts: [MANAGER, AGENT],
    name: "chats",
    seed: async (db) => {
      const { eq } = await import("drizzle-orm");
      const { conversations, projects, users, visitors } = await import("../../db/schema");
      const [project] = await db.insert(projects).values({ slug: "acme-chats", title: "Acme Chats" }).returning();
      const [agent] = await db.select().from(users).where(eq(users.email, AGENT.email));
      const now = Date.now();
      for (let i = TOTAL - 1; i >= 0; i--) {
        const n = String(i).padStart(2, "0");
        const status = isClosed(i) ? "closed" : "queued";
        const [v] = await db
          .insert(visitors)
          .values({ projectId: project.id, token: `chats-token-${n}-${now}`, name: `Table Person ${n}`, phone: `+1202555${n}00`, email: `table.${n}@example.test` })
          .returning();
        const [c] = await db
          .insert(conversations)
          .values({
            projectId: project.id,
            visitorId: v.id,
            visitorPhone: v.phone,
            status,
            assigneeId: status === "closed" ? agent.id : null,
            leadStage: i % 5 === 0 ? "converted" : "new",
            lastMessageAt: new Date(now - (i + 1) * 60_000),
            lastMessagePreview: `Question number ${n}`,
          })
          .returning();
        ids[i] = c.id;
      }
    },
  });
});

test.afterAll(async () => {
  for (const ctx of contexts) await ctx.close().catch(() => undefined);
  await server?.dispose();
});

async function newPage(browser: Browser, phone = false): Promise<Page> {
  const ctx = phone ? await browser.newContext({ baseURL: server.baseURL, ...PHONE }) : await staffContext(browser, server.baseURL);
  contexts.push(ctx);
  return ctx.newPage();
}

async function signedIn(browser: Browser, account: Account, phone = false): Promise<Page> {
  const page = await newPage(browser, phone);
  await page.goto("/login");
  await signInAs(page, account);
  return page;
}

const table = (page: Page) => page.getByRole("table", { name: "Chats" });
const rows = (page: Page) => table(page).getByRole("row").filter({ has: page.getByRole("cell") });
const range = (page: Page) => page.getByText(/^\d+–\d+ of \d+$|^0 of \d+$/);

async function screenshot(page: Page, name: string) {
  const dir = process.env.E2E_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

test("an admin pages through every chat: Next, Prev and the rows selector, all in the URL", async ({ browser }) => {
  admin = await signedIn(browser, ADMIN);
  await admin.getByRole("navigation", { name: /navigation$/ }).getByRole("link", { name: "Chats" }).click();
  await expect(admin).toHaveURL((u) => u.pathname === "/admin/chats");
  await expect(admin.getByRole("heading", { name: "Chats" })).toBeVisible();
  await expect(range(admin)).toHaveText(`1–20 of ${TOTAL}`);
  await expect(rows(admin)).toHaveCount(20);
  // Newest message first: the seed's chat 00 is the most recent.
  await expect(rows(admin).first()).toContainText("Table Person 00");
  await expect(rows(admin).first()).toContainText("Acme Chats");
  await expect(rows(admin).first()).toContainText("Unassigned");
  await screenshot(admin, "chats-desktop");

  await admin.getByRole("button", { name: "Next page" }).click();
  await expect(admin).toHaveURL(/[?&]after=/);
  await expect(range(admin)).toHaveText(`21–40 of ${TOTAL}`);
  await expect(rows(admin).first()).toContainText("Table Person 20");
  await admin.getByRole("button", { name: "Next page" }).click();
  await expect(range(admin)).toHaveText(`41–45 of ${TOTAL}`);
  await expect(admin.getByRole("button", { name: "Next page" })).toBeDisabled();
  await admin.getByRole("button", { name: "Previous page" }).click();
  await expect(admin).toHaveURL(/[?&]before=/);
  await expect(range(admin)).toHaveText(`21–40 of ${TOTAL}`);
  await expect(rows(admin).first()).toContainText("Table Person 20");
  // Back walks the pages too.
  await admin.goBack();
  await expect(range(admin)).toHaveText(`41–45 of ${TOTAL}`);

  await admin.getByLabel("Rows per page").selectOption("50");
  await expect(admin).toHaveURL((u) => u.searchParams.get("limit") === "50" && !u.searchParams.has("after"));
  await expect(range(admin)).toHaveText(`1–45 of ${TOTAL}`);
  await expect(rows(admin)).toHaveCount(TOTAL);
});

test("pills and search filter the table, the URL follows, Back restores each view", async () => {
  await admin.goto("/admin/chats");
  await admin.getByRole("group", { name: "Show" }).getByRole("button", { name: "Closed" }).click();
  await expect(admin).toHaveURL((u) => u.searchParams.get("pill") === "closed");
  await expect(range(admin)).toHaveText(`1–${CLOSED} of ${CLOSED}`);
  await expect(rows(admin).filter({ hasText: "Closed" })).toHaveCount(CLOSED);
  await expect(admin.getByRole("group", { name: "Show" }).getByRole("button", { name: "Closed" })).toHaveAttribute("aria-pressed", "true");

  await admin.getByLabel("Search chats").fill("table person 07");
  await expect(admin).toHaveURL((u) => u.searchParams.get("q") === "table person 07" && u.searchParams.get("pill") === "closed");
  await expect(rows(admin)).toHaveCount(1);
  await expect(rows(admin).first()).toContainText("Table Person 07");
  await expect(range(admin)).toHaveText("1–1 of 1");

  // A phone number, typed with spaces, finds its chat whatever the pill.
  await admin.getByRole("group", { name: "Show" }).getByRole("button", { name: "All" }).click();
  await admin.getByLabel("Search chats").fill("+1 202 555 1200");
  await expect(rows(admin)).toHaveCount(1);
  await expect(rows(admin).first()).toContainText("Table Person 12");

  await admin.getByLabel("Lead stage").selectOption("converted");
  await expect(admin).toHaveURL((u) => u.searchParams.get("stage") === "converted");
  await expect(admin.getByText("No chats match these filters.")).toBeVisible();

  // Back: the stage goes, then the pill comes back with the name search.
  await admin.goBack();
  await expect(admin).toHaveURL((u) => !u.searchParams.has("stage") && u.searchParams.get("q") === "+1 202 555 1200");
  await expect(rows(admin).first()).toContainText("Table Person 12");
  await expect(admin.getByLabel("Search chats")).toHaveValue("+1 202 555 1200");
  await admin.goBack();
  await expect(admin).toHaveURL((u) => u.searchParams.get("pill") === "closed" && u.searchParams.get("q") === "table person 07");
  await expect(admin.getByLabel("Search chats")).toHaveValue("table person 07");
  await expect(rows(admin)).toHaveCount(1);
  await expect(range(admin)).toHaveText("1–1 of 1");

  // The agent filter, with the AI as an option of its own.
  await admin.goto("/admin/chats");
  const agent = admin.getByLabel("Agent");
  await expect(agent.getByRole("option", { name: "AI agent" })).toHaveCount(1);
  await agent.selectOption({ label: AGENT.displayName });
  await expect(range(admin)).toHaveText(`1–${CLOSED} of ${CLOSED}`);
  await agent.selectOption({ label: "AI agent" });
  await expect(admin.getByText("No chats match these filters.")).toBeVisible();
  await admin.getByRole("button", { name: "Clear filters" }).first().click();
  await expect(admin).toHaveURL((u) => u.pathname === "/admin/chats" && u.search === "");
  await expect(range(admin)).toHaveText(`1–20 of ${TOTAL}`);
});

test("a row opens its chat at /admin/chats/<id> with the filters kept; closing goes back to the list", async () => {
  await admin.goto("/admin/chats?pill=closed");
  await rows(admin).filter({ hasText: "Table Person 03" }).getByRole("link").click();
  await expect(admin).toHaveURL((u) => u.pathname === `/admin/chats/${ids[3]}` && u.searchParams.get("pill") === "closed");
  const dialog = admin.getByRole("dialog");
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("heading", { name: "Table Person 03", exact: true })).toBeVisible();
  await admin.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(admin).toHaveURL((u) => u.pathname === "/admin/chats" && u.searchParams.get("pill") === "closed");
  await expect(range(admin)).toHaveText(`1–${CLOSED} of ${CLOSED}`);
});

test("a signed-out admin following a deep link lands on that chat after signing in", async ({ browser }) => {
  const page = await newPage(browser);
  await page.goto(`/admin/chats/${ids[5]}`);
  await expect(page).toHaveURL((u) => u.pathname === "/login" && u.searchParams.get("next") === `/admin/chats/${ids[5]}`);
  expect((await submitSignIn(page, ADMIN.email, ADMIN.password)).status()).toBe(200);
  await expect(page).toHaveURL((u) => u.pathname === `/admin/chats/${ids[5]}`);
  await expect(page.getByRole("dialog").getByRole("heading", { name: "Table Person 05", exact: true })).toBeVisible();
  // The table is under it; closing shows it.
  await page.keyboard.press("Escape");
  await expect(page).toHaveURL((u) => u.pathname === "/admin/chats");
  await expect(range(page)).toHaveText(`1–20 of ${TOTAL}`);
});

test("a manager has the same Chats page in the manager console", async ({ browser }) => {
  const page = await signedIn(browser, MANAGER);
  await page.getByRole("navigation", { name: /navigation$/ }).getByRole("link", { name: "Chats" }).click();
  await expect(page).toHaveURL((u) => u.pathname === "/manager/chats");
  await expect(range(page)).toHaveText(`1–20 of ${TOTAL}`);
  await page.getByRole("group", { name: "Show" }).getByRole("button", { name: "Unassigned" }).click();
  await expect(range(page)).toHaveText(`1–20 of ${QUEUED}`);
  await rows(page).first().getByRole("link").click();
  await expect(page).toHaveURL((u) => u.pathname === `/manager/chats/${ids[0]}`);
  await expect(page.getByRole("dialog")).toBeVisible();
  // The admin console's chats are not the manager's way in.
  await page.goto("/admin/chats");
  await expect(page).toHaveURL((u) => u.pathname === "/manager");

  const phone = await signedIn(browser, MANAGER, true);
  await phone.goto("/manager/chats");
  await expect(phone.getByRole("list", { name: "Chats" }).getByRole("listitem")).toHaveCount(20);
  await screenshot(phone, "chats-phone");
});

test("rows follow the chats live: a new chat goes on top of the first page, elsewhere it is announced", async ({ browser }) => {
  // (Last: it adds a chat to the seeded 45.)
  const closed = await signedIn(browser, ADMIN);
  await closed.goto("/admin/chats?pill=closed");
  await expect(range(closed)).toHaveText(`1–${CLOSED} of ${CLOSED}`);
  await admin.goto("/admin/chats");
  await expect(range(admin)).toHaveText(`1–20 of ${TOTAL}`);

  const v = newVisitor("Livia");
  const ctx = await visitorContext(browser, server.baseURL);
  contexts.push(ctx);
  const vp = await ctx.newPage();
  await startChat(vp, v, "/p/acme-chats");
  await expect(rows(admin).first()).toContainText(v.name);
  await expect(range(admin)).toHaveText(`1–21 of ${TOTAL + 1}`);
  // A message moves its row's preview without a refresh.
  await sendText(vp, "Is the blue one in stock?");
  await expect(rows(admin).first()).toContainText("Is the blue one in stock?");

  // The Closed view doesn't reshuffle: it says a chat arrived, and a click reads the page again.
  const announce = closed.getByRole("button", { name: "1 new — refresh" });
  await expect(announce).toBeVisible();
  await expect(range(closed)).toHaveText(`1–${CLOSED} of ${CLOSED}`);
  await announce.click();
  await expect(announce).toBeHidden();
});
