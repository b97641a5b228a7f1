import type { Browser, BrowserContext, Page } from "@playwright/test";
import { expect, signInAs, test } from "./helpers";
import {
  escapeRe,
  expectThreadReady,
  messageItem,
  newVisitor,
  sendText,
  staffContext,
  startChat,
  startOwnServer,
  tick,
  visitorContext,
  type OwnServer,
  type StaffSeed,
  type Visitor,
} from "./chat-helpers";

/**
 * The agent console without timers: the queue's previews and order follow
 * visitors live, the typing pill follows the visitor's keystrokes (brief: it
 * clears 5 s after the last one), and a visitor's message shows grey ✓✓ as
 * soon as the agent's console has it, whichever chat is open there. A server
 * of its own with one agent who holds two chats, so the third and fourth wait.
 */
const UMA: StaffSeed = {
  role: "agent",
  email: "uma.live@example.test",
  username: "uma_live",
  password: "live-Uma-pw-1",
  displayName: "Uma Usman",
  activeChatLimit: 2,
  offlineChatLimit: 2,
};

type Chat = { v: Visitor; page: Page };

test.describe.configure({ mode: "serial" });

let server: OwnServer;
const contexts: BrowserContext[] = [];
let agent: Page;
/** Uma's two chats, then the two that wait in the queue. */
let mine1: Chat;
let mine2: Chat;
let queued1: Chat;
let queued2: Chat;

test.beforeAll(async ({ browser }) => {
  test.setTimeout(180_000);
  server = await startOwnServer({ accounts: [UMA], name: "console-live" });
  const ctx = await staffContext(browser, server.baseURL);
  contexts.push(ctx);
  agent = await ctx.newPage();
  await agent.goto("/login");
  await signInAs(agent, UMA);
  await expect(agent.getByText("Connecting…")).toHaveCount(0);
  await expect
    .poll(async () => {
      const res = await agent.request.get("/api/agent/agents");
      const { agents } = (await res.json()) as { agents: { displayName: string; online: boolean }[] };
      return agents.filter((a) => a.online).map((a) => a.displayName);
    })
    .toEqual([UMA.displayName]);

  mine1 = await visitorStarts(browser, "Mira");
  mine2 = await visitorStarts(browser, "Milo");
  await expect(chatRows(agent)).toHaveCount(2);
  queued1 = await visitorStarts(browser, "Quinn");
  queued2 = await visitorStarts(browser, "Quade");
  await expect(bucketTab(agent, "Unassigned")).toHaveAccessibleName(/^Unassigned, 2 chats/);
});

test.afterAll(async () => {
  for (const ctx of contexts) await ctx.close().catch(() => undefined);
  await server?.dispose();
});

async function visitorStarts(browser: Browser, first: string): Promise<Chat> {
  const ctx = await visitorContext(browser, server.baseURL);
  contexts.push(ctx);
  const page = await ctx.newPage();
  const v = newVisitor(first);
  await startChat(page, v);
  return { v, page };
}

function bucketTab(page: Page, bucket: "Active" | "Unassigned") {
  return page.getByRole("tab", { name: new RegExp(`^${bucket}\\b`) });
}

function chatRows(page: Page) {
  return page.getByRole("list", { name: "Chats" }).getByRole("listitem");
}

/** A chat's row button is named after the visitor (", 1 unread" when there is some). */
const rowName = (name: string) => new RegExp(`^${escapeRe(name)}(, \\d+ unread)?$`);

function chatButton(page: Page, name: string) {
  return page.getByRole("list", { name: "Chats" }).getByRole("button", { name: rowName(name) });
}

function chatRow(page: Page, name: string) {
  return chatRows(page).filter({ has: page.getByRole("button", { name: rowName(name) }) });
}

async function openChat(page: Page, chat: Chat) {
  await chatButton(page, chat.v.name).click();
  await expect(page.getByRole("region", { name: "Conversation" }).getByRole("heading", { name: chat.v.name })).toBeVisible();
  await expectThreadReady(page);
}

function typingPill(page: Page) {
  return page.getByRole("status").filter({ hasText: "Visitor is typing…" });
}

test("the Unassigned bucket follows a waiting visitor's message live: preview, order and badge, without a reload or a refetch", async () => {
  await bucketTab(agent, "Unassigned").click();
  await expect(bucketTab(agent, "Unassigned")).toHaveAttribute("aria-selected", "true");
  // Newest first: the second visitor to wait is on top.
  await expect(chatRows(agent)).toHaveText([new RegExp(escapeRe(queued2.v.name)), new RegExp(escapeRe(queued1.v.name))]);

  // From here on the list may not be re-read: what changes on screen came over the socket.
  const listReads: string[] = [];
  agent.on("request", (r) => {
    if (new URL(r.url()).pathname === "/api/agent/conversations") listReads.push(r.url());
  });

  await sendText(queued1.page, "Is anyone there? I need help with my booking.");
  await expect(chatRow(agent, queued1.v.name)).toContainText("Is anyone there? I need help with my booking.");
  await expect(chatRows(agent)).toHaveText([new RegExp(escapeRe(queued1.v.name)), new RegExp(escapeRe(queued2.v.name))]);
  await expect(chatButton(agent, queued1.v.name)).toHaveAccessibleName(`${queued1.v.name}, 1 unread`);
  await expect(bucketTab(agent, "Unassigned")).toHaveAccessibleName("Unassigned, 2 chats, 1 unread");

  // The agent's own chats are live in the same way, in their bucket.
  await sendText(mine2.page, "Hello? Any news on my refund?");
  await bucketTab(agent, "Active").click();
  await expect(chatRow(agent, mine2.v.name)).toContainText("Hello? Any news on my refund?");
  expect(listReads.filter((u) => new URL(u).searchParams.get("bucket") === "unassigned")).toEqual([]);
});

test("the typing pill stays on through a pause of over 3 s, clears a few seconds after the last keystroke, and at once on the message", async () => {
  await openChat(agent, mine1);
  const box = mine1.page.getByLabel("Message", { exact: true });
  await box.pressSequentially("Quick question", { delay: 60 });
  await expect(typingPill(agent)).toBeVisible();

  // A pause of over 3 s, as people make while thinking (the pill used to go after 3 s): it must not blink off meanwhile.
  const pauseEnds = Date.now() + 3_500;
  while (Date.now() < pauseEnds) {
    expect(await typingPill(agent).isVisible(), "typing pill during the pause").toBe(true);
    await agent.waitForTimeout(200);
  }
  await box.pressSequentially(" about sizes", { delay: 60 });
  await expect(typingPill(agent)).toBeVisible();
  // Then nothing more: the pill goes by itself.
  await expect(typingPill(agent)).toBeHidden();

  // Typing again, then sending: the message replaces the pill.
  await box.pressSequentially(" — do you have XL?", { delay: 40 });
  await expect(typingPill(agent)).toBeVisible();
  await box.press("Enter");
  await expect(messageItem(agent, "Quick question about sizes — do you have XL?")).toBeVisible();
  await expect(typingPill(agent)).toBeHidden();
});

test("a visitor's message shows grey ✓✓ while the agent's console is open on another chat, and green ✓✓ once the agent opens it", async () => {
  // Uma reads Mira's chat; Milo writes.
  await expect(agent.getByRole("region", { name: "Conversation" }).getByRole("heading", { name: mine1.v.name })).toBeVisible();
  await sendText(mine2.page, "Are you still there?");
  const sent = messageItem(mine2.page, "Are you still there?");
  await expect(tick(sent, "Delivered")).toBeVisible();
  await expect(tick(sent, "Read")).toHaveCount(0);
  await expect(chatButton(agent, mine2.v.name)).toHaveAccessibleName(new RegExp(`^${escapeRe(mine2.v.name)}, \\d+ unread$`));

  await openChat(agent, mine2);
  await expect(messageItem(agent, "Are you still there?")).toBeVisible();
  await expect(tick(sent, "Read")).toBeVisible();
  await expect(tick(sent, "Read")).toHaveClass(/text-emerald-700/);
});
