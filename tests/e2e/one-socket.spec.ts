import type { Browser, BrowserContext, Page, WebSocket } from "@playwright/test";
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
  visitorContext,
  type OwnServer,
  type StaffSeed,
  type Visitor,
} from "./chat-helpers";

/**
 * The agent console holds one WebSocket for everything on the page: the inbox
 * and every chat opened in it. A server of its own with a single agent, so
 * every chat started here is that agent's.
 */
const OLA: StaffSeed = {
  role: "agent",
  email: "ola.one@example.test",
  username: "ola_one",
  password: "one-Ola-pw-1",
  displayName: "Ola Okafor",
  activeChatLimit: 5,
  offlineChatLimit: 5,
};

const CHATS = 5;

let server: OwnServer;
const contexts: BrowserContext[] = [];

test.beforeAll(async () => {
  test.setTimeout(120_000);
  server = await startOwnServer({ accounts: [OLA], name: "one-socket" });
});

test.afterAll(async () => {
  for (const ctx of contexts) await ctx.close().catch(() => undefined);
  await server?.dispose();
});

async function visitorStarts(browser: Browser, first: string): Promise<{ v: Visitor; page: Page }> {
  const ctx = await visitorContext(browser, server.baseURL);
  contexts.push(ctx);
  const page = await ctx.newPage();
  const v = newVisitor(first);
  await startChat(page, v);
  return { v, page };
}

function chatButton(page: Page, name: string) {
  return page.getByRole("list", { name: "Chats" }).getByRole("button", { name: new RegExp(`^${escapeRe(name)}(, \\d+ unread)?$`) });
}

test("an agent console with five chats opened one after another holds one WebSocket, and live messages still arrive", async ({ browser }) => {
  test.setTimeout(180_000);
  const ctx = await staffContext(browser, server.baseURL);
  contexts.push(ctx);
  const agent = await ctx.newPage();
  const sockets: WebSocket[] = [];
  agent.on("websocket", (ws) => {
    // Only the app's hub; Next's dev HMR socket would be another path (and isn't there in production).
    if (new URL(ws.url()).pathname === "/ws") sockets.push(ws);
  });
  await agent.goto("/login");
  await signInAs(agent, OLA);
  await expect(agent.getByText("Connecting…")).toHaveCount(0);

  const chats = [];
  for (let i = 1; i <= CHATS; i++) {
    const chat = await visitorStarts(browser, `Solo${i}`);
    await sendText(chat.page, `hello from visitor ${i}`);
    chats.push(chat);
    // The inbox shows it live, over the console's socket.
    await expect(chatButton(agent, chat.v.name)).toBeVisible();
  }

  const conversation = agent.getByRole("region", { name: "Conversation" });
  for (const [i, chat] of chats.entries()) {
    await chatButton(agent, chat.v.name).click();
    await expect(conversation.getByRole("heading", { name: chat.v.name })).toBeVisible();
    await expectThreadReady(agent);
    await expect(messageItem(agent, `hello from visitor ${i + 1}`)).toBeVisible();
    // A live message reaches the open chat…
    await sendText(chat.page, `live to open chat ${i + 1}`);
    await expect(messageItem(agent, `live to open chat ${i + 1}`)).toBeVisible();
    // …and the agent's answer reaches the visitor.
    await sendText(agent, `answer ${i + 1}`);
    await expect(messageItem(chat.page, `answer ${i + 1}`)).toBeVisible();
  }

  // A message to a chat that isn't open still moves the inbox, on the same socket.
  await sendText(chats[0].page, "back to the first chat");
  await expect(chatButton(agent, chats[0].v.name)).toHaveAccessibleName(`${chats[0].v.name}, 1 unread`);

  expect(sockets).toHaveLength(1);
  expect(sockets[0].isClosed()).toBe(false);
});
