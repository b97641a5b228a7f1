import type { BrowserContext, Page } from "@playwright/test";
import {
  escapeRe,
  messageItem,
  newVisitor,
  PHONE,
  sendText,
  staffContext,
  startChat,
  startOwnServer,
  visitorContext,
  type OwnServer,
  type StaffSeed,
  type Visitor,
} from "./chat-helpers";
import { expect, SEEDED, serverState, signInAs, test } from "./helpers";

/**
 * The QA console as an analyst uses it: every chat in a live list, filters in
 * the URL, a chat opened to watch — the visitor's messages and typing arrive
 * without a reload — and nothing anywhere to write with: no message box, no
 * send button, no lead stage, no assignment, no close.
 */

test.describe.configure({ mode: "serial" });

const contexts: BrowserContext[] = [];
let qa: Page;
let visitor: Page;
let v: Visitor;
/** The QA console with the visitor's chat open (a shareable link). */
let chatUrl: string;

test.beforeAll(async ({ browser }) => {
  const qaCtx = await staffContext(browser);
  const vCtx = await visitorContext(browser);
  contexts.push(qaCtx, vCtx);
  qa = await qaCtx.newPage();
  await qa.goto("/login");
  await signInAs(qa, SEEDED.qa);
  await expect(qa.getByText("Connecting…")).toHaveCount(0);
  visitor = await vCtx.newPage();
  v = newVisitor("Quentin");
  await startChat(visitor, v);
});

test.afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
});

const chatList = (page: Page) => page.getByRole("region", { name: "Chat list" }).getByRole("list", { name: "Chats" });
const chatRow = (page: Page, name: string) => chatList(page).getByRole("button", { name: new RegExp(escapeRe(name)) });
const conversation = (page: Page) => page.getByRole("region", { name: "Conversation" });

test("a new chat appears in the list live; opening it streams the visitor's messages and typing, with nothing to write with", async () => {
  // The chat started after the console loaded: it arrived over the socket.
  await expect(chatRow(qa, v.name)).toBeVisible();
  await chatRow(qa, v.name).click();
  await expect(qa).toHaveURL(/[?&]chat=\d+/);
  chatUrl = qa.url();
  await expect(conversation(qa).getByRole("heading", { name: v.name })).toBeVisible();
  await expect(qa.getByText("Loading conversation…")).toHaveCount(0);

  await sendText(visitor, "Hello, is the blue one in stock?");
  await expect(messageItem(qa, "Hello, is the blue one in stock?")).toBeVisible();
  // The row's preview follows too.
  await expect(chatRow(qa, v.name)).toContainText("Hello, is the blue one in stock?");

  await visitor.getByLabel("Message", { exact: true }).pressSequentially("And in size", { delay: 30 });
  await expect(qa.getByRole("status").filter({ hasText: "Visitor is typing…" })).toBeVisible();
  await visitor.getByLabel("Message", { exact: true }).press("Enter");
  await expect(messageItem(qa, "And in size")).toBeVisible();

  // Read-only: no composer, no send, no stage, no assignment, no close, anywhere on the page.
  await expect(qa.getByRole("textbox", { name: "Message" })).toHaveCount(0);
  await expect(qa.getByRole("button", { name: /^Send/ })).toHaveCount(0);
  await expect(qa.getByLabel(/lead stage/i)).toHaveCount(0);
  await expect(qa.getByRole("button", { name: /^(assign|reassign|pick|close|block)/i })).toHaveCount(0);
  await expect(qa.getByRole("combobox", { name: /assign/i })).toHaveCount(0);
  await expect(qa.getByText("Read-only: QA watches chats and never writes in them.")).toBeVisible();
});

test("the filters live in the URL: a status or the AI agent narrows the list, Back restores it", async () => {
  await qa.getByRole("combobox", { name: "Status" }).selectOption("closed");
  await expect(qa).toHaveURL(/[?&]status=closed/);
  await expect(chatRow(qa, v.name)).toHaveCount(0);
  await qa.goBack();
  await expect(qa.getByRole("combobox", { name: "Status" })).toHaveValue("");
  await expect(chatRow(qa, v.name)).toBeVisible();

  await qa.getByRole("combobox", { name: "Agent" }).selectOption({ label: "AI agent" });
  await expect(qa).toHaveURL(/[?&]agent=ai/);
  await expect(chatRow(qa, v.name)).toHaveCount(0);

  // A shared link opens the same view, the chat included.
  await qa.goto(chatUrl);
  await expect(qa.getByRole("combobox", { name: "Agent" })).toHaveValue("");
  await expect(chatRow(qa, v.name)).toHaveAttribute("aria-current", "true");
  await expect(messageItem(qa, "And in size")).toBeVisible();
});

test("on a phone the list and the thread take turns", async ({ browser }) => {
  const ctx = await browser.newContext({ baseURL: serverState().baseURL, ...PHONE });
  contexts.push(ctx);
  const phone = await ctx.newPage();
  await phone.goto("/login");
  await signInAs(phone, SEEDED.qa);
  await chatRow(phone, v.name).click();
  await expect(conversation(phone).getByRole("heading", { name: v.name })).toBeVisible();
  await expect(phone.getByRole("region", { name: "Chat list" })).toBeHidden();
  await phone.getByRole("button", { name: "← Back to chats" }).click();
  await expect(chatRow(phone, v.name)).toBeVisible();
  await expect(conversation(phone)).toHaveCount(0);
});

test.describe("the open chat's agent", () => {
  // A server of its own: an agent online here takes chats the shared server's other specs expect queued.
  const ADA: StaffSeed = { role: "agent", email: "ada.qa@example.test", username: "ada_qa", password: "qa-Ada-pw-1", displayName: "Ada Agent" };
  const QUILL: StaffSeed = { role: "qa", email: "quill.qa@example.test", username: "quill_qa", password: "qa-Quill-pw-1", displayName: "Quill QA" };
  let own: OwnServer;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    own = await startOwnServer({ accounts: [ADA, QUILL], name: "qa-presence" });
  });
  test.afterAll(async () => {
    await own?.dispose();
  });

  test("shows the assigned agent's presence, live: on break and back without a reload", async ({ browser }) => {
    const agentCtx = await staffContext(browser, own.baseURL);
    const qaCtx = await staffContext(browser, own.baseURL);
    const vCtx = await visitorContext(browser, own.baseURL);
    contexts.push(agentCtx, qaCtx, vCtx);
    const agent = await agentCtx.newPage();
    await agent.goto("/login");
    await signInAs(agent, ADA);
    await expect(agent.getByText("Connecting…")).toHaveCount(0);
    const watcher = await qaCtx.newPage();
    await watcher.goto("/login");
    await signInAs(watcher, QUILL);

    const who = newVisitor("Pia");
    await startChat(await vCtx.newPage(), who);
    await expect(chatRow(watcher, who.name)).toContainText("Ada Agent");
    await chatRow(watcher, who.name).click();
    const info = watcher.getByRole("toolbar", { name: "Chat info" });
    await expect(info).toContainText("Assigned to Ada Agent");
    await expect(info.getByLabel("Ada Agent is online")).toBeVisible();

    await agent.getByRole("button", { name: "On break" }).click();
    await expect(info.getByLabel("Ada Agent is on break")).toBeVisible();
    await agent.getByRole("button", { name: "On break" }).click();
    await expect(info.getByLabel("Ada Agent is online")).toBeVisible();
  });
});
