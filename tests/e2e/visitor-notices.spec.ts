import type { Browser, BrowserContext, Page } from "@playwright/test";
import { expect, signInAs, test } from "./helpers";
import { messageItem, messageList, newVisitor, startChat, staffContext, startOwnServer, visitorContext, type OwnServer, type StaffSeed, type Visitor } from "./chat-helpers";

/**
 * A visitor always knows what is happening, and a new chat never waits on an
 * agent who has left. A server of its own whose only agents are these two
 * (seeded in this order, so Alma's id is the lower one). Serial: each test
 * hands its state to the next.
 */
const ALMA: StaffSeed = {
  role: "agent",
  email: "alma.vn@example.test",
  username: "alma_vn",
  password: "vn-Alma-pw-1",
  displayName: "Alma Ito",
  activeChatLimit: 3,
  offlineChatLimit: 3,
};
const BRUNO: StaffSeed = {
  role: "agent",
  email: "bruno.vn@example.test",
  username: "bruno_vn",
  password: "vn-Bruno-pw-2",
  displayName: "Bruno Lee",
  activeChatLimit: 3,
  offlineChatLimit: 3,
};

test.describe.configure({ mode: "serial" });

let server: OwnServer;
const contexts: BrowserContext[] = [];
let almaCtx: BrowserContext;
let alma: Page;
let bruno: Page;
const chats: { v: Visitor; page: Page }[] = [];

test.beforeAll(async () => {
  test.setTimeout(120_000);
  server = await startOwnServer({ accounts: [ALMA, BRUNO], name: "visitor-notices" });
});

test.afterAll(async () => {
  for (const ctx of contexts) await ctx.close().catch(() => undefined);
  await server?.dispose();
});

async function openConsole(browser: Browser, account: StaffSeed) {
  const ctx = await staffContext(browser, server.baseURL);
  contexts.push(ctx);
  const page = await ctx.newPage();
  await page.goto("/login");
  await signInAs(page, account);
  await expect(page.getByText("Connecting…")).toHaveCount(0);
  return { ctx, page };
}

async function visitorStarts(browser: Browser, first: string) {
  const ctx = await visitorContext(browser, server.baseURL);
  contexts.push(ctx);
  const page = await ctx.newPage();
  const v = newVisitor(first);
  await startChat(page, v);
  const chat = { v, page };
  chats.push(chat);
  return chat;
}

async function online(page: Page) {
  const res = await page.request.get("/api/agent/agents");
  const { agents } = (await res.json()) as { agents: { id: number; displayName: string; online: boolean }[] };
  return agents;
}

const status = (page: Page) => page.getByRole("status").filter({ hasText: /Waiting|Nobody|chatting with/ });

test("with nobody online the visitor is told the team will answer later; when an agent arrives, they see who joined", async ({ browser }) => {
  const first = await visitorStarts(browser, "Nadia");
  await expect(status(first.page)).toHaveText(/Nobody from the team is online right now/);

  ({ ctx: almaCtx, page: alma } = await openConsole(browser, ALMA));
  // Alma coming online drains the queue to her: the visitor sees her name and a line in the thread.
  await expect(status(first.page)).toHaveText(`You're chatting with ${ALMA.displayName}.`);
  await expect(messageList(first.page).getByText(`${ALMA.displayName} joined the chat`)).toBeVisible();
  await expect(alma.getByRole("list", { name: "Chats" }).getByRole("button", { name: new RegExp(first.v.name) })).toBeVisible();
});

test("a chat handed over shows the visitor a system line and the new agent's name", async ({ browser }) => {
  ({ page: bruno } = await openConsole(browser, BRUNO));
  await expect.poll(async () => (await online(alma)).filter((a) => a.online).map((a) => a.displayName)).toEqual([ALMA.displayName, BRUNO.displayName]);
  const first = chats[0];
  const { conversationId } = await first.page.evaluate(async () => {
    const r = await fetch("/api/visitor/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ slug: "default" }) });
    return (await r.json()) as { conversationId: number };
  });
  const brunoId = (await online(alma)).find((a) => a.displayName === BRUNO.displayName)!.id;
  const res = await alma.request.post(`/api/chat/conversations/${conversationId}/assign`, { data: { agentId: brunoId } });
  expect(res.status(), await res.text()).toBe(200);
  await expect(messageList(first.page).getByText(`${BRUNO.displayName} took over the chat`)).toBeVisible();
  await expect(status(first.page)).toHaveText(`You're chatting with ${BRUNO.displayName}.`);
  // Bruno's reply carries his name for the visitor.
  await bruno.getByRole("list", { name: "Chats" }).getByRole("button", { name: new RegExp(first.v.name) }).click();
  const box = bruno.getByLabel("Message", { exact: true });
  await box.fill("Hi, Bruno here");
  await box.press("Enter");
  await expect(messageItem(first.page, "Hi, Bruno here")).toBeVisible();
  await expect(messageItem(first.page, "Hi, Bruno here")).toContainText(BRUNO.displayName);
});

test("a new chat goes at once to the agent who is connected, never to one who just left", async ({ browser }) => {
  // A chat routed while both are here goes to Bruno (Alma had the last one), so the
  // rotation's next in line is Alma…
  const second = await visitorStarts(browser, "Pia");
  await expect(status(second.page)).toHaveText(`You're chatting with ${BRUNO.displayName}.`);
  // …who now closes her browser: inside her 30 s grace, but gone.
  await almaCtx.close();
  await expect.poll(async () => (await online(bruno)).filter((a) => a.online).map((a) => a.displayName)).toEqual([BRUNO.displayName]);
  const late = await visitorStarts(browser, "Omar");
  // Straight to Bruno, not after Alma's grace runs out.
  await expect(status(late.page)).toHaveText(`You're chatting with ${BRUNO.displayName}.`);
  await expect(messageList(late.page).getByText(`${BRUNO.displayName} joined the chat`)).toBeVisible();
});
