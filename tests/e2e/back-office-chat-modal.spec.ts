import type { Browser, BrowserContext, Locator, Page } from "@playwright/test";
import { ADMIN, expect, signInAs, test } from "./helpers";
import {
  adminPage,
  escapeRe,
  expectThreadReady,
  freshIp,
  messageItem,
  newVisitor,
  PHONE,
  sendText,
  staffContext,
  startChat,
  startOwnServer,
  visitorToken,
  type OwnServer,
  type StaffSeed,
  type Visitor,
} from "./chat-helpers";

/**
 * The back office chat modal (/admin/chats/{id}): an admin's reply is a
 * "from admin" bubble for the visitor, assigning from the modal hands the
 * agent the chat live with its history, and Block visitor closes the chat,
 * shows the visitor the ended banner and refuses that address from then on.
 * A server of its own, so who is online (and so who routing picks) is these
 * agents only: Ana (signed in from the start), Ben (signs in later), Cleo
 * (on break). Every client has an address of its own in X-Forwarded-For
 * (the server trusts one proxy hop), so the block touches only its visitor.
 */
const ANA: StaffSeed = { role: "agent", email: "ana.modal@example.test", username: "ana_modal", password: "modal-Ana-pw-1", displayName: "Ana Alvarez", activeChatLimit: 3 };
const BEN: StaffSeed = { role: "agent", email: "ben.modal@example.test", username: "ben_modal", password: "modal-Ben-pw-2", displayName: "Ben Brooks", activeChatLimit: 3 };
const CLEO: StaffSeed = {
  role: "agent",
  email: "cleo.modal@example.test",
  username: "cleo_modal",
  password: "modal-Cleo-pw-3",
  displayName: "Cleo Chen",
  activeChatLimit: 3,
  onBreak: true,
};

type Chat = { v: Visitor; page: Page; ip: string; id: number };

test.describe.configure({ mode: "serial" });

let server: OwnServer;
const contexts: BrowserContext[] = [];
let ana: Page;
let admin: Page;
/** The chat of the first two tests. */
let first: Chat;

test.beforeAll(async ({ browser }) => {
  test.setTimeout(180_000);
  server = await startOwnServer({ accounts: [ANA, BEN, CLEO], name: "chat-modal" });
  ana = await openConsole(browser, ANA);
  admin = await adminPage(browser, server.baseURL);
  contexts.push(admin.context());
});

test.afterAll(async () => {
  for (const ctx of contexts) await ctx.close().catch(() => undefined);
  await server?.dispose();
});

async function openConsole(browser: Browser, account: StaffSeed): Promise<Page> {
  const ctx = await staffContext(browser, server.baseURL);
  contexts.push(ctx);
  const page = await ctx.newPage();
  await page.goto("/login");
  await signInAs(page, account);
  await expect(page.getByText("Connecting…")).toHaveCount(0);
  return page;
}

/** A visitor on a phone, from `ip`, starts a chat and says something; returns the chat's id as the visitor's session names it. */
async function visitorStarts(browser: Browser, first: string, opening: string, ip = freshIp()): Promise<Chat> {
  const ctx = await browser.newContext({ baseURL: server.baseURL, ...PHONE, extraHTTPHeaders: { "X-Forwarded-For": ip } });
  contexts.push(ctx);
  const page = await ctx.newPage();
  const v = newVisitor(first);
  await startChat(page, v);
  await sendText(page, opening);
  const res = await page.request.post("/api/visitor/session", { data: { slug: "default", token: await visitorToken(page) } });
  expect(res.status()).toBe(200);
  const { conversationId } = (await res.json()) as { conversationId: number };
  return { v, page, ip, id: conversationId };
}

function chatModal(page: Page, v: Visitor): Locator {
  return page.getByRole("dialog", { name: `Chat with ${v.name}` });
}

/** Open a chat the way a shared link does, and wait for its live thread. */
async function openModal(page: Page, chat: Chat): Promise<Locator> {
  await page.goto(`/admin/chats/${chat.id}`);
  const modal = chatModal(page, chat.v);
  await expect(modal).toBeVisible();
  await expect(modal.getByText("Loading conversation…")).toHaveCount(0);
  return modal;
}

function agentChatButton(page: Page, name: string) {
  return page.getByRole("list", { name: "Chats" }).getByRole("button", { name: new RegExp(`^${escapeRe(name)}(, \\d+ unread)?$`) });
}

function conversation(scope: Page | Locator) {
  return scope.getByRole("region", { name: "Conversation" });
}

test("an admin's reply reaches the visitor as a 'from admin' bubble, told apart from the agent's", async ({ browser }) => {
  first = await visitorStarts(browser, "Olga", "Hi, is my order on its way?");
  // Ana is the only agent online: round-robin gives her the chat.
  await expect(agentChatButton(ana, first.v.name)).toBeVisible();
  await agentChatButton(ana, first.v.name).click();
  await expectThreadReady(ana);
  await sendText(ana, "Hi, Ana here. Let me check.");

  const modal = await openModal(admin, first);
  // The visitor on top: contact, the address the chat started from, first seen.
  const visitor = modal.getByRole("region", { name: "Visitor" });
  await expect(visitor).toContainText(first.v.email);
  await expect(visitor).toContainText(first.ip);
  await expect(visitor).toContainText("First seen");
  await expect(conversation(modal).getByLabel("Status", { exact: true })).toHaveText(`Active · ${ANA.displayName}`);
  await expect(messageItem(admin, "Hi, Ana here. Let me check.")).toBeVisible();
  if (process.env.OCC_SCREENSHOTS) await admin.screenshot({ path: `${process.env.OCC_SCREENSHOTS}/chat-modal-desktop.png` });

  await sendText(admin, "This is the support team: your order shipped this morning.");

  // The visitor sees both answers, and which one came from the support team.
  const fromAgent = messageItem(first.page, "Hi, Ana here. Let me check.");
  const fromAdmin = messageItem(first.page, "This is the support team: your order shipped this morning.");
  await expect(fromAdmin).toBeVisible();
  await expect(fromAdmin.locator('[data-sender="admin"]')).toBeVisible();
  await expect(fromAdmin).toContainText("Support team");
  await expect(fromAgent.locator('[data-sender="agent"]')).toBeVisible();
  await expect(fromAgent).not.toContainText("Support team");
  // The bubbles look different, not just their labels.
  const bg = (l: Locator) => l.evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(await bg(fromAdmin.locator('[data-sender="admin"]'))).not.toBe(await bg(fromAgent.locator('[data-sender="agent"]')));
});

test("assign from the modal: agents listed with load and why not; the new agent gets the chat live with its whole history", async ({ browser }) => {
  const ben = await openConsole(browser, BEN);
  const modal = chatModal(admin, first.v);
  await expect(modal).toBeVisible();

  await modal.getByRole("button", { name: "Assign agent" }).click();
  const menu = admin.getByRole("menu", { name: "Assign agent" });
  // Fetched again on opening: Ben, who just signed in, can take it; the others can't, and say why.
  const item = (name: string) => menu.getByRole("menuitem", { name: new RegExp(`^${escapeRe(name)}`) });
  await expect(item(BEN.displayName)).not.toHaveAttribute("aria-disabled");
  await expect(item(BEN.displayName)).toContainText("0/3 active");
  await expect(item(ANA.displayName)).toHaveAttribute("aria-disabled", "true");
  await expect(item(ANA.displayName)).toContainText("Has this chat");
  await expect(item(ANA.displayName)).toContainText("1/3 active");
  await expect(item(CLEO.displayName)).toHaveAttribute("aria-disabled", "true");
  await expect(item(CLEO.displayName)).toContainText("On break");
  if (process.env.OCC_SCREENSHOTS) await admin.screenshot({ path: `${process.env.OCC_SCREENSHOTS}/chat-modal-assign.png` });
  await item(BEN.displayName).click();
  await expect(admin.getByRole("status").filter({ hasText: `Assigned to ${BEN.displayName}.` })).toBeVisible();
  await expect(conversation(modal).getByLabel("Status", { exact: true })).toHaveText(`Active · ${BEN.displayName}`);

  // Ben's console shows it without a refresh, with everything said so far.
  await expect(agentChatButton(ben, first.v.name)).toBeVisible();
  await agentChatButton(ben, first.v.name).click();
  await expectThreadReady(ben);
  for (const body of ["Hi, is my order on its way?", "Hi, Ana here. Let me check.", "This is the support team: your order shipped this morning."]) {
    await expect(messageItem(ben, body)).toBeVisible();
  }
  await sendText(ben, "Ben here: it arrives tomorrow.");
  await expect(messageItem(first.page, "Ben here: it arrives tomorrow.")).toBeVisible();
  await expect(messageItem(admin, "Ben here: it arrives tomorrow.")).toBeVisible();
  // Ana no longer has it among her chats.
  await expect(agentChatButton(ana, first.v.name)).toHaveCount(0);
});

test("Block visitor: confirmed with a reason, closes the chat, the visitor sees it ended, and their address gets a bare 403", async ({ browser }) => {
  const troll = await visitorStarts(browser, "Tobias", "You are all useless.");
  const modal = await openModal(admin, troll);
  await modal.getByRole("toolbar", { name: "Chat actions" }).getByRole("button", { name: "Block visitor" }).click();
  const confirm = admin.getByRole("dialog", { name: "Block this visitor?" });
  await expect(confirm).toContainText(troll.ip);
  // The reason is required: the server's field error shows under the field, nothing happens.
  await confirm.getByRole("button", { name: "Block visitor" }).click();
  await expect(confirm.getByText("Say why: the reason goes in the audit log.")).toBeVisible();
  await expect(confirm.getByLabel("Reason")).toHaveAttribute("aria-invalid", "true");
  await expect(troll.page.getByText("This chat has ended")).toHaveCount(0);

  await confirm.getByLabel("Reason").fill("Abusive messages");
  if (process.env.OCC_SCREENSHOTS) await admin.screenshot({ path: `${process.env.OCC_SCREENSHOTS}/chat-modal-block.png` });
  await confirm.getByRole("button", { name: "Block visitor" }).click();
  await expect(confirm).toBeHidden();
  await expect(admin.getByRole("status").filter({ hasText: `Visitor blocked (${troll.ip}) and the chat closed.` })).toBeVisible();
  await expect(conversation(modal).getByLabel("Status", { exact: true })).toHaveText(/^Closed/);
  await expect(modal.getByRole("button", { name: "Close chat" })).toHaveCount(0);

  // The visitor was told before their connection was cut.
  await expect(troll.page.getByText("This chat has ended")).toBeVisible();

  // From then on that address gets nothing but a bare 403: a new chat, the page itself.
  const again = await troll.page.request.post("/api/visitor/conversations", {
    data: { slug: "default", name: troll.v.name, country: "US", phone: troll.v.phone, email: troll.v.email },
  });
  expect(again.status()).toBe(403);
  expect((await again.body()).length).toBe(0);
  expect((await troll.page.request.get("/p/default")).status()).toBe(403);
  // Everybody else is unaffected.
  const other = await browser.newContext({ baseURL: server.baseURL, extraHTTPHeaders: { "X-Forwarded-For": freshIp() } });
  contexts.push(other);
  expect((await other.request.get("/p/default")).status()).toBe(200);
  await expect(chatModal(admin, troll.v)).toBeVisible();
});

test("on a phone the modal fills the screen and still reaches every control", async ({ browser }) => {
  const ctx = await browser.newContext({ baseURL: server.baseURL, ...PHONE, extraHTTPHeaders: { "X-Forwarded-For": freshIp() } });
  contexts.push(ctx);
  const page = await ctx.newPage();
  await page.goto("/login");
  await signInAs(page, ADMIN);
  const modal = await openModal(page, first);
  const box = await modal.boundingBox();
  const vp = page.viewportSize()!;
  expect(box && Math.round(box.width)).toBe(vp.width);
  expect(box && Math.round(box.height)).toBe(vp.height);
  await expect(modal.getByRole("button", { name: "Assign agent" })).toBeVisible();
  await expect(modal.getByLabel("Lead stage")).toBeVisible();
  await modal.getByLabel("Message", { exact: true }).scrollIntoViewIfNeeded();
  await expect(modal.getByLabel("Message", { exact: true })).toBeVisible();
  if (process.env.OCC_SCREENSHOTS) await page.screenshot({ path: `${process.env.OCC_SCREENSHOTS}/chat-modal-phone.png` });
  // Lead stage from the modal: saved, confirmed, and it sticks.
  await modal.getByLabel("Lead stage").selectOption({ label: "Qualified" });
  await expect(page.getByRole("status").filter({ hasText: "Lead stage: Qualified." })).toBeVisible();
  await page.reload();
  await expect(chatModal(page, first.v).getByLabel("Lead stage")).toHaveValue("qualified");
});
