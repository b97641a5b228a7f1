import type { Browser, BrowserContext, Page } from "@playwright/test";
import { expect, signInAs, test } from "./helpers";
import {
  adminPage,
  escapeRe,
  expectThreadReady,
  messageItem,
  messageList,
  newVisitor,
  openChatAsAdmin,
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
 * Routing and the agent console, with several agents at once. Who gets a chat
 * depends on who is online, so the file runs a server of its own whose only
 * agents are these four (seeded in this order, so their ids are too). The
 * tests run in order and hand their state on: the chats started in the first
 * one are the ones refreshed, starred, tagged, released, drained and
 * reassigned later.
 */
const ANA: StaffSeed = {
  role: "agent",
  email: "ana.rr@example.test",
  username: "ana_rr",
  password: "rr-Ana-pw-1",
  displayName: "Ana Alvarez",
  activeChatLimit: 2,
  offlineChatLimit: 2,
};
const BEN: StaffSeed = {
  role: "agent",
  email: "ben.rr@example.test",
  username: "ben_rr",
  password: "rr-Ben-pw-2",
  displayName: "Ben Brooks",
  activeChatLimit: 1,
  offlineChatLimit: 1,
};
const CLEO: StaffSeed = {
  role: "agent",
  email: "cleo.rr@example.test",
  username: "cleo_rr",
  password: "rr-Cleo-pw-3",
  displayName: "Cleo Chen",
  activeChatLimit: 2,
  offlineChatLimit: 2,
};
/** Starts on break and stays signed out until the drain test. */
const DARA: StaffSeed = {
  role: "agent",
  email: "dara.rr@example.test",
  username: "dara_rr",
  password: "rr-Dara-pw-4",
  displayName: "Dara Diaz",
  activeChatLimit: 1,
  offlineChatLimit: 1,
  onBreak: true,
};

type Bucket = "Active" | "Offline" | "Closed" | "Unassigned" | "Others";
type Chat = { v: Visitor; page: Page };

test.describe.configure({ mode: "serial" });

let server: OwnServer;
const contexts: BrowserContext[] = [];
let ana: Page;
let ben: Page;
let cleo: Page;
let dara: Page;
/** c[1]…c[6]: the visitors of the first test, in the order they arrived. */
const c: Record<number, Chat> = {};

test.beforeAll(async ({ browser }) => {
  test.setTimeout(180_000);
  server = await startOwnServer({ accounts: [ANA, BEN, CLEO, DARA] });
  ana = await openConsole(browser, ANA);
  ben = await openConsole(browser, BEN);
  cleo = await openConsole(browser, CLEO);
  // The server must count all three online before the first chat arrives.
  await expect
    .poll(async () => {
      const res = await ana.request.get("/api/agent/agents");
      const { agents } = (await res.json()) as { agents: { displayName: string; online: boolean }[] };
      return agents.filter((a) => a.online).map((a) => a.displayName);
    })
    .toEqual([ANA.displayName, BEN.displayName, CLEO.displayName]);
});

test.afterAll(async () => {
  for (const ctx of contexts) await ctx.close().catch(() => undefined);
  await server?.dispose();
});

// ── helpers ──────────────────────────────────────────────────────────────────

async function openConsole(browser: Browser, account: StaffSeed): Promise<Page> {
  const ctx = await staffContext(browser, server.baseURL);
  contexts.push(ctx);
  const page = await ctx.newPage();
  await page.goto("/login");
  await signInAs(page, account);
  await expect(bucketTab(page, "Active")).toHaveAttribute("aria-selected", "true");
  await expect(page.getByText("Connecting…")).toHaveCount(0);
  return page;
}

/** A visitor on a phone, from an address of their own, starts a chat. */
async function visitorStarts(browser: Browser, first: string): Promise<Chat> {
  const ctx = await visitorContext(browser, server.baseURL);
  contexts.push(ctx);
  const page = await ctx.newPage();
  const v = newVisitor(first);
  await startChat(page, v);
  return { v, page };
}

/** The bucket tab ("Active, 2 chats, 1 unread" is named "Active…"). */
function bucketTab(page: Page, bucket: Bucket) {
  return page.getByRole("tab", { name: new RegExp(`^${bucket}\\b`) });
}

async function showBucket(page: Page, bucket: Bucket) {
  await bucketTab(page, bucket).click();
  await expect(bucketTab(page, bucket)).toHaveAttribute("aria-selected", "true");
  await expect(page.getByText("Loading chats…")).toHaveCount(0);
}

/** The tab's live count, e.g. "Active, 2 chats" (and nothing unread). */
async function expectBucketCount(page: Page, bucket: Bucket, n: number, unread = 0) {
  const name = `${bucket}, ${n} chat${n === 1 ? "" : "s"}${unread ? `, ${unread} unread` : ""}`;
  await expect(bucketTab(page, bucket)).toHaveAccessibleName(name);
}

function chatRows(page: Page) {
  return page.getByRole("list", { name: "Chats" }).getByRole("listitem");
}

/** A chat's row button is named after the visitor (", 1 unread" when there is some). */
function chatButton(page: Page, name: string) {
  return page.getByRole("list", { name: "Chats" }).getByRole("button", { name: rowName(name) });
}

function rowName(name: string) {
  return new RegExp(`^${escapeRe(name)}(, \\d+ unread)?$`);
}

function chatRow(page: Page, name: string) {
  return chatRows(page).filter({ has: page.getByRole("button", { name: rowName(name) }) });
}

function starButton(page: Page, name: string) {
  return chatRow(page, name).getByRole("button", { name: /^(Star|Unstar) chat$/ });
}

/** The open bucket lists exactly these chats, in this order (most recent activity first). */
async function expectList(page: Page, chats: Chat[]) {
  await expect(chatRows(page)).toHaveText(chats.map((x) => new RegExp(escapeRe(x.v.name))));
}

/** The open bucket lists exactly these chats, in any order. */
async function expectListHas(page: Page, chats: Chat[]) {
  await expect(chatRows(page)).toHaveCount(chats.length);
  for (const x of chats) await expect(chatButton(page, x.v.name)).toBeVisible();
}

function conversation(page: Page) {
  return page.getByRole("region", { name: "Conversation" });
}

/** Open one of the agent's own chats and wait for its live thread. */
async function openChat(page: Page, chat: Chat) {
  await chatButton(page, chat.v.name).click();
  await expect(conversation(page).getByRole("heading", { name: chat.v.name })).toBeVisible();
  await expectThreadReady(page);
}

async function closeChat(page: Page, chat: Chat) {
  await openChat(page, chat);
  await conversation(page).getByRole("button", { name: "Close chat" }).click();
  await expect(conversation(page).getByLabel("Status", { exact: true })).toHaveText(/^Closed/);
}

/**
 * The routing rule, played out on paper: each chat goes to the next agent (by
 * id) after the last one served who still has room, wrapping around; null when
 * no one has room. Returns the agent index per chat.
 */
function roundRobin(limits: number[], chats: number): (number | null)[] {
  const load = limits.map(() => 0);
  let cursor = -1;
  const owners: (number | null)[] = [];
  for (let k = 0; k < chats; k++) {
    const next = limits.map((_, j) => (cursor + 1 + j) % limits.length).find((j) => load[j] < limits[j]);
    if (next === undefined) {
      owners.push(null);
      continue;
    }
    load[next] += 1;
    cursor = next;
    owners.push(next);
  }
  return owners;
}

// ── tests ────────────────────────────────────────────────────────────────────

test("chats go round-robin to agents with room, live, and wait in Unassigned once everyone is full", async ({ browser }) => {
  test.setTimeout(120_000);
  const agents = [
    { page: ana, limit: ANA.activeChatLimit!, held: [] as Chat[] },
    { page: ben, limit: BEN.activeChatLimit!, held: [] as Chat[] },
    { page: cleo, limit: CLEO.activeChatLimit!, held: [] as Chat[] },
  ];
  // Limits 2, 1, 2: Ana, Ben, Cleo, Ana, then Cleo (Ben is full), then nobody has room.
  const owners = roundRobin(agents.map((a) => a.limit), 6);
  expect(owners).toEqual([0, 1, 2, 0, 2, null]);

  for (const [i, owner] of owners.slice(0, 5).entries()) {
    const chat = await visitorStarts(browser, `Visitor${i + 1}`);
    c[i + 1] = chat;
    agents[owner!].held.unshift(chat);
    // The chat shows up in its agent's Active list without a reload, and in no one else's.
    for (const a of agents) {
      await expectList(a.page, a.held);
      await expectBucketCount(a.page, "Active", a.held.length);
    }
  }

  // Everyone is at their limit: the sixth chat waits, and every agent sees it in Unassigned live.
  for (const a of agents) {
    await showBucket(a.page, "Unassigned");
    await expect(a.page.getByText("The queue is empty.", { exact: false })).toBeVisible();
  }
  c[6] = await visitorStarts(browser, "Visitor6");
  for (const a of agents) {
    await expectList(a.page, [c[6]]);
    await expectBucketCount(a.page, "Unassigned", 1);
    await expectBucketCount(a.page, "Active", a.held.length);
  }
  // The waiting visitor's chat is simply open; nothing is wrong on their side.
  await expect(c[6].page.getByLabel("Message", { exact: true })).toBeEnabled();
  for (const a of agents) await showBucket(a.page, "Active");
});

test("an agent's refresh keeps their chats, and the visitor notices nothing", async () => {
  await openChat(ana, c[1]);
  await sendText(c[1].page, "Hi, where is my order?");
  await expect(messageItem(ana, "Hi, where is my order?")).toBeVisible();

  await ana.reload();
  await expect(bucketTab(ana, "Active")).toHaveAttribute("aria-selected", "true");
  // Still hers (the chat with the newest message on top), and no one else got anything.
  await expectList(ana, [c[1], c[4]]);
  await expectBucketCount(ana, "Active", 2);
  await expectList(ben, [c[2]]);
  await expectList(cleo, [c[5], c[3]]);

  // She carries on in the same thread.
  await openChat(ana, c[1]);
  await expect(messageItem(ana, "Hi, where is my order?")).toBeVisible();
  await sendText(ana, "Let me check that for you.");
  await expect(messageItem(c[1].page, "Let me check that for you.")).toBeVisible();
  // Nothing lost or doubled over the refresh: the "joined" line and the two messages, once each.
  await expect(messageList(c[1].page).getByRole("listitem")).toHaveCount(3);
  await expect(c[1].page.getByText(`${ANA.displayName} joined the chat`)).toHaveCount(1);
  await expect(messageItem(c[1].page, "Hi, where is my order?")).toHaveCount(1);
  await expect(messageItem(c[1].page, "Let me check that for you.")).toHaveCount(1);
  await expect(c[1].page.getByText("Reconnecting…")).toHaveCount(0);
  await expect(c[1].page.getByText("This chat has ended", { exact: false })).toHaveCount(0);
});

test("changing the lead stage persists and doesn't reorder the list", async () => {
  // c[4] is the lower of Ana's two chats: were tagging counted as activity, it would jump to the top.
  await expectList(ana, [c[1], c[4]]);
  await openChat(ana, c[4]);
  const stage = ana.getByLabel("Lead stage");
  await expect(stage).toHaveValue("new");
  await stage.selectOption("Qualified");
  await expect(stage).toHaveValue("qualified");
  await expectList(ana, [c[1], c[4]]);

  await ana.reload();
  await expectList(ana, [c[1], c[4]]);
  await openChat(ana, c[4]);
  await expect(ana.getByLabel("Lead stage")).toHaveValue("qualified");
  await expectList(ana, [c[1], c[4]]);
});

test("a star persists across a reload and belongs to the agent who set it", async () => {
  await expect(starButton(ana, c[4].v.name)).toHaveAttribute("aria-pressed", "false");
  await starButton(ana, c[4].v.name).click();
  await expect(starButton(ana, c[4].v.name)).toHaveAccessibleName("Unstar chat");
  await expect(starButton(ana, c[4].v.name)).toHaveAttribute("aria-pressed", "true");

  await ana.reload();
  await expect(starButton(ana, c[4].v.name)).toHaveAttribute("aria-pressed", "true");
  await expect(starButton(ana, c[1].v.name)).toHaveAttribute("aria-pressed", "false");

  // Cleo sees Ana's chats under Others, unstarred.
  await showBucket(cleo, "Others");
  await expectListHas(cleo, [c[1], c[4], c[2]]);
  await expect(starButton(cleo, c[4].v.name)).toHaveAttribute("aria-pressed", "false");
  await expect(starButton(cleo, c[4].v.name)).toHaveAccessibleName("Star chat");
  await showBucket(cleo, "Active");
});

test("a saved quick reply is pasted into the message box, edited and sent; a sixth is refused", async () => {
  const reply = "Thanks for waiting! Your order ships on Monday.";
  await ana.getByRole("button", { name: "Saved replies" }).click();
  const manager = ana.getByRole("dialog", { name: "Manage quick replies" });
  await expect(manager).toBeVisible();
  await manager.getByLabel("New quick reply", { exact: true }).fill(reply);
  await manager.getByRole("button", { name: "Add quick reply" }).click();
  await expect(manager.getByLabel("Quick reply 1", { exact: true })).toHaveValue(reply);
  await manager.getByRole("button", { name: "Close" }).click();
  await expect(manager).toBeHidden();

  await openChat(ana, c[4]);
  await ana.getByRole("button", { name: "Quick replies" }).click();
  await ana.getByRole("group", { name: "Pick a quick reply" }).getByRole("button", { name: reply }).click();
  const box = ana.getByLabel("Message", { exact: true });
  await expect(box).toHaveValue(reply);
  await expect(box).toBeFocused();
  // Edit before sending, as the picker means it.
  await box.press("End");
  await box.pressSequentially(" Tracking follows by email.");
  const edited = `${reply} Tracking follows by email.`;
  await expect(box).toHaveValue(edited);
  await box.press("Enter");
  await expect(box).toHaveValue("");
  await expect(messageItem(c[4].page, edited)).toBeVisible();

  // Fill up to four, then a second tab (still showing four) races this one for the fifth slot.
  await ana.getByRole("button", { name: "Saved replies" }).click();
  for (const n of [2, 3, 4]) {
    await manager.getByLabel("New quick reply", { exact: true }).fill(`Canned answer ${n}`);
    await manager.getByRole("button", { name: "Add quick reply" }).click();
    await expect(manager.getByLabel(`Quick reply ${n}`, { exact: true })).toHaveValue(`Canned answer ${n}`);
  }
  const tab2 = await ana.context().newPage();
  await tab2.goto("/agent");
  await tab2.getByRole("button", { name: "Saved replies" }).click();
  const manager2 = tab2.getByRole("dialog", { name: "Manage quick replies" });
  await expect(manager2.getByText("4 of 5 saved.", { exact: false })).toBeVisible();

  await manager.getByLabel("New quick reply", { exact: true }).fill("Canned answer 5");
  await manager.getByRole("button", { name: "Add quick reply" }).click();
  await expect(manager.getByLabel("Quick reply 5", { exact: true })).toHaveValue("Canned answer 5");
  // The first tab now stops at five…
  await expect(manager.getByText("You've saved 5 of 5. Delete one to add another.")).toBeVisible();
  await expect(manager.getByLabel("New quick reply", { exact: true })).toBeDisabled();
  await expect(manager.getByRole("button", { name: "Add quick reply" })).toBeDisabled();
  // …and the server refuses the sixth from the tab that didn't know.
  await manager2.getByLabel("New quick reply", { exact: true }).fill("One too many");
  await manager2.getByRole("button", { name: "Add quick reply" }).click();
  await expect(manager2.getByRole("alert")).toHaveText("You can save up to 5 quick replies. Delete one to add another.");
  await expect(manager2.getByLabel("Quick reply 5", { exact: true })).toHaveCount(0);
  await tab2.close();
  await manager.getByRole("button", { name: "Close" }).click();
  await expect(manager).toBeHidden();
});

test("a message to a chat that isn't open raises the Active badge and the tab title; opening it clears both", async () => {
  await openChat(ana, c[1]);
  await expect.poll(() => ana.title()).toBe("Agent Console");
  await expectBucketCount(ana, "Active", 2);

  await sendText(c[4].page, "Can I change the delivery address?");
  await expectBucketCount(ana, "Active", 2, 1);
  await expect(chatButton(ana, c[4].v.name)).toHaveAccessibleName(`${c[4].v.name}, 1 unread`);
  await expect.poll(() => ana.title()).toBe("(1) Agent Console");
  // The chat she is reading has nothing unread.
  await expect(chatButton(ana, c[1].v.name)).toHaveAccessibleName(c[1].v.name);

  await openChat(ana, c[4]);
  await expect(messageItem(ana, "Can I change the delivery address?")).toBeVisible();
  await expect.poll(() => ana.title()).toBe("Agent Console");
  await expectBucketCount(ana, "Active", 2);
  await expect(chatButton(ana, c[4].v.name)).toHaveAccessibleName(c[4].v.name);
});

test("an agent gone for more than 30 s loses their active chats to the queue", async ({ browser }) => {
  test.setTimeout(120_000);
  const admin = await adminPage(browser, server.baseURL);
  contexts.push(admin.context());
  await openChatAsAdmin(admin, c[2].v.name);
  await expect(conversation(admin).getByLabel("Status", { exact: true })).toHaveText(`Active · ${BEN.displayName}`);
  await showBucket(cleo, "Others");
  await expectListHas(cleo, [c[1], c[4], c[2]]);

  // Ben closes his browser.
  await ben.context().close();

  // After the 30 s grace (and the next sweep) his chat is back in the queue: nobody else has room.
  await expect(conversation(admin).getByLabel("Status", { exact: true })).toHaveText("Unassigned", { timeout: 60_000 });
  await expectListHas(cleo, [c[1], c[4]]);
  await showBucket(cleo, "Unassigned");
  await expectListHas(cleo, [c[2], c[6]]);
  await expectBucketCount(cleo, "Unassigned", 2);
  // Ana's refresh, long past the grace by now, cost her nothing.
  await expectBucketCount(ana, "Active", 2);
  await expectListHas(ana, [c[1], c[4]]);
  await showBucket(cleo, "Active");
});

test("capacity appearing drains the queue, oldest first: an agent ends her break, another closes a chat", async ({ browser }) => {
  dara = await openConsole(browser, DARA);
  const onBreak = dara.getByRole("button", { name: "On break" });
  await expect(onBreak).toHaveAttribute("aria-pressed", "true");
  await expect(dara.getByText("No active chats.", { exact: false })).toBeVisible();
  await expectBucketCount(dara, "Unassigned", 2);

  // Back from the break: the chat waiting longest (the sixth) is hers at once.
  await onBreak.click();
  await expect(onBreak).toHaveAttribute("aria-pressed", "false");
  await expectList(dara, [c[6]]);
  await expectBucketCount(dara, "Active", 1);
  await expectBucketCount(dara, "Unassigned", 1);

  // Cleo ends a chat: the slot goes to the one still waiting (Ben's old chat).
  await closeChat(cleo, c[5]);
  await expectListHas(cleo, [c[3], c[2]]);
  await expectBucketCount(cleo, "Active", 2);
  await expectBucketCount(cleo, "Unassigned", 0);
  await expectBucketCount(ana, "Unassigned", 0);
  await expect(c[5].page.getByText("This chat has ended", { exact: false })).toBeVisible();
});

test("reassign: a chat handed to a teammate moves live with its whole history; a teammate on break is refused clearly", async () => {
  // Cleo makes room for one more.
  await closeChat(cleo, c[3]);
  await expectList(cleo, [c[2]]);

  await showBucket(ana, "Active");
  await openChat(ana, c[1]);
  const target = ana.getByLabel("Reassign to");
  // Only agents who could take it now can be chosen.
  await expect(target.getByRole("option", { name: `${CLEO.displayName} (1/2)` })).toBeEnabled();
  await expect(target.getByRole("option", { name: `${DARA.displayName} — full` })).toBeDisabled();
  await expect(target.getByRole("option", { name: `${BEN.displayName} — offline` })).toBeDisabled();
  await target.selectOption({ label: `${CLEO.displayName} (1/2)` });
  await ana.getByRole("button", { name: "Reassign", exact: true }).click();
  await expect(ana.getByRole("status").filter({ hasText: `Chat reassigned to ${CLEO.displayName}.` })).toBeVisible();
  await expectList(ana, [c[4]]);
  await expectListHas(cleo, [c[1], c[2]]);
  await expectBucketCount(cleo, "Active", 2);

  // Cleo has the whole conversation at once and carries it on; the visitor gets her answer.
  await openChat(cleo, c[1]);
  await expect(messageItem(cleo, "Hi, where is my order?")).toBeVisible();
  await expect(messageItem(cleo, "Let me check that for you.")).toBeVisible();
  await sendText(cleo, "Hi, I'm Cleo. Your order left the warehouse today.");
  await expect(messageItem(c[1].page, "Hi, I'm Cleo. Your order left the warehouse today.")).toBeVisible();
  // Ana can still read it, but no longer answer.
  await expect(ana.getByText(`Read-only: assigned to ${CLEO.displayName}.`)).toBeVisible();
  await expect(ana.getByLabel("Message", { exact: true })).toHaveCount(0);

  // Dara frees her slot, so Ana may pick her…
  await closeChat(dara, c[6]);
  await expectBucketCount(dara, "Active", 0);
  await openChat(ana, c[4]);
  await target.selectOption({ label: `${DARA.displayName} (0/1)` });
  // …but Dara goes on break before Ana presses the button. Ana's list may be up to
  // 30 s old; hold its periodic refresh meanwhile so the server, not a lucky
  // refresh, is what refuses the stale choice.
  let frozen = true;
  await ana.route("**/api/agent/agents", (route) => (frozen ? route.abort() : route.continue()));
  const onBreak = dara.getByRole("button", { name: "On break" });
  await onBreak.click();
  await expect(onBreak).toHaveAttribute("aria-pressed", "true");
  frozen = false;
  await ana.getByRole("button", { name: "Reassign", exact: true }).click();
  await expect(ana.getByRole("alert").filter({ hasText: `${DARA.displayName} is on break.` })).toBeVisible();
  await expect(target.getByRole("option", { name: `${DARA.displayName} — on break` })).toBeDisabled();
  await expectList(ana, [c[4]]);
  await expectBucketCount(dara, "Active", 0);
  await expect(conversation(ana).getByLabel("Status", { exact: true })).toHaveText(`Active · ${ANA.displayName}`);
});
