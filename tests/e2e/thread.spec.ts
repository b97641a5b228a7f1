import type { Browser, Page } from "@playwright/test";
import { expect, test } from "./helpers";
import { adminPage, expectThreadReady, messageItem, messageList, startOwnServer, tail, visitorContext, type OwnServer } from "./chat-helpers";
import { seedChats, type SeededChat } from "./thread-seed";

/**
 * The thread as a reader meets it in long, multi-day chats: the list follows
 * (or doesn't) as it should, marks days, and jumps to a quote 300 messages back
 * in one request. A private server, so its database can be seeded with history
 * no live send could write (timestamps days old, hundreds of messages).
 */

let server: OwnServer;
let long: SeededChat; // 200 messages today
let pill: SeededChat; // 120 messages today, opened by the visitor
let days: SeededChat; // 30 messages over four days
let far: SeededChat; // 400 messages and a reply quoting the 300th from the end

test.beforeAll(async () => {
  test.setTimeout(300_000);
  server = await startOwnServer({ name: "thread" });
  // Seeded while stopped: PGlite's directory can't be opened twice.
  expect(await server.stop(), tail(server.logFile)).toBe(0);
  [long, pill, days, far] = await seedChats(server.database, [
    { messages: 200 },
    { messages: 120 },
    { messages: 30, days: 4, system: [29] },
    { messages: 400, replies: [{ back: 300, body: "Re: that one, far back" }] },
  ]);
  await server.start();
});

test.afterAll(async () => {
  await server?.dispose();
});

async function openAsAdmin(browser: Browser, chat: SeededChat): Promise<Page> {
  const page = await adminPage(browser, server.baseURL);
  await page.goto(`/admin/chats/${chat.conversationId}`);
  await expectThreadReady(page);
  return page;
}

async function openAsVisitor(browser: Browser, chat: SeededChat): Promise<Page> {
  const context = await visitorContext(browser, server.baseURL);
  await context.addInitScript((token) => localStorage.setItem("occ:v:default", token), chat.token);
  const page = await context.newPage();
  await page.goto("/p/default");
  await expectThreadReady(page);
  return page;
}

function scroller(page: Page) {
  return messageList(page).locator("xpath=ancestor::div[contains(@class,'overflow-y-auto')][1]");
}

/** Scroll the thread as a person would, with the mouse wheel over it (negative: up). */
async function wheel(page: Page, dy: number) {
  const box = (await scroller(page).boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, dy);
}
const scrollUp = (page: Page, px = 2500) => wheel(page, -px);

/** The text of the message in the middle of the thread's viewport. */
async function bodyInView(page: Page): Promise<string> {
  const box = (await scroller(page).boundingBox())!;
  return page.evaluate(
    ([x, y]) => {
      const li = document.elementsFromPoint(x, y).find((e) => e.tagName === "LI");
      const p = [...(li?.querySelectorAll("p") ?? [])].find((e) => /^seed \d+$/.test(e.textContent ?? ""));
      return p?.textContent ?? "";
    },
    [box.x + box.width / 2, box.y + box.height / 2],
  );
}

test("a staff member scrolled far up who sends a reply sees it land", async ({ browser }) => {
  const ap = await openAsAdmin(browser, long);
  const last = messageItem(ap, "seed 200");
  await expect(last).toBeInViewport();
  await scrollUp(ap);
  await expect(last).not.toBeInViewport();

  const box = ap.getByLabel("Message", { exact: true });
  await box.fill("Sent from far up the thread");
  await box.press("Enter");
  await expect(messageItem(ap, "Sent from far up the thread")).toBeInViewport();
  await ap.context().close();
});

test("a visitor at the bottom stays pinned; scrolled up, they get a New messages pill that brings them down", async ({ browser }) => {
  const vp = await openAsVisitor(browser, pill);
  const ap = await openAsAdmin(browser, pill);
  const send = async (text: string) => {
    const box = ap.getByLabel("Message", { exact: true });
    await box.fill(text);
    await box.press("Enter");
    await expect(box).toHaveValue("");
  };

  // At the bottom: a new message keeps the visitor pinned, no pill.
  await send("First answer from support");
  const first = messageItem(vp, "First answer from support");
  await expect(first).toBeInViewport();
  // The visitor sees who answers: the admin's name, marked as the team, on the first bubble of a run only
  // (seeded: every third message is the admin's, so "seed 120" starts a run that the answer continues).
  await expect(messageItem(vp, "seed 120")).toContainText("Administrator");
  await expect(messageItem(vp, "seed 120")).toContainText("Support team");
  await expect(first).not.toContainText("Administrator");
  await expect(vp.getByRole("button", { name: /^New messages/ })).toHaveCount(0);

  // Scrolled up: the view stays put, and a pill counts what came in.
  await scrollUp(vp);
  await expect(messageItem(vp, "First answer from support")).not.toBeInViewport();
  await vp.waitForTimeout(300);
  const readingBody = await bodyInView(vp);
  expect(readingBody).toMatch(/^seed \d+$/);
  const reading = messageItem(vp, readingBody);
  await send("Second answer from support");
  await send("Third answer from support");
  const newPill = vp.getByRole("button", { name: "New messages: 2. Scroll to the latest" });
  await expect(newPill).toBeVisible();
  await expect(reading).toBeInViewport();
  await expect(messageItem(vp, "Third answer from support")).not.toBeInViewport();
  if (process.env.THREAD_SCREENSHOTS) await vp.screenshot({ path: "/tmp/thread-phone-pill.png" });

  await newPill.click();
  await expect(messageItem(vp, "Third answer from support")).toBeInViewport();
  await expect(vp.getByRole("button", { name: /^New messages/ })).toHaveCount(0);
  if (process.env.THREAD_SCREENSHOTS) {
    await vp.screenshot({ path: "/tmp/thread-phone.png" });
    await ap.setViewportSize({ width: 1440, height: 900 });
    await ap.screenshot({ path: "/tmp/thread-desktop.png" });
  }
  await vp.context().close();
  await ap.context().close();
});

test("a multi-day chat shows a date separator per day: a date, Yesterday, Today", async ({ browser }) => {
  for (const page of [await openAsVisitor(browser, days), await openAsAdmin(browser, days)]) {
    const list = messageList(page);
    await expect(list.getByRole("listitem")).toHaveCount(30);
    await expect(list.getByRole("separator", { name: "Today", exact: true })).toHaveCount(1);
    await expect(list.getByRole("separator", { name: "Yesterday", exact: true })).toHaveCount(1);
    // Four days: two more, labelled with their dates ("Mon, 12 Jan" in the browser's locale).
    await expect(list.getByRole("separator", { name: /\d/ })).toHaveCount(2);
    // The separator sits above the day's first message, and only there.
    const todays = list.getByRole("listitem").filter({ has: page.getByRole("separator", { name: "Today", exact: true }) });
    await expect(todays).toHaveCount(1);
    // A system line: centred text, no bubble, no ticks, no reply.
    const system = messageItem(page, "system 29");
    await expect(system.locator('[data-sender="system"]')).toBeVisible();
    await expect(system.getByRole("img")).toHaveCount(0);
    await expect(system.getByRole("button")).toHaveCount(0);
    if (process.env.THREAD_SCREENSHOTS) {
      await list.getByRole("separator", { name: "Yesterday", exact: true }).scrollIntoViewIfNeeded();
      await page.screenshot({ path: `/tmp/thread-days-${page.viewportSize()!.width}.png` });
    }
    await page.context().close();
  }
});

test("a quote 300 messages back loads its window in one request, scrolls to it and highlights it; both directions page on", async ({ browser }) => {
  const vp = await openAsVisitor(browser, far);
  const target = "seed 101"; // 300 before the reply (400 seeded, then the reply)
  const answer = messageItem(vp, "Re: that one, far back");
  await expect(answer).toBeInViewport();
  await expect(messageItem(vp, target)).toHaveCount(0);

  // Slow the window down a little, so its loading state can be seen; count what the jump asks for.
  const asked: string[] = [];
  vp.on("request", (r) => {
    if (r.url().includes("/messages?")) asked.push(new URL(r.url()).search);
  });
  await vp.route("**/messages?around=*", async (route) => {
    await new Promise((r) => setTimeout(r, 600));
    await route.continue();
  });
  await answer.getByRole("button", { name: `Go to quoted message: ${target}` }).click();
  await expect(vp.getByRole("status").filter({ hasText: "Loading the quoted message…" })).toBeVisible();
  const quoted = messageItem(vp, target);
  await expect(quoted).toBeInViewport();
  await expect(quoted.locator("[data-sender]")).toHaveClass(/ring-yellow-300/);
  if (process.env.THREAD_SCREENSHOTS) await vp.screenshot({ path: "/tmp/thread-phone-jump.png" });
  await expect(vp.getByRole("status").filter({ hasText: "Loading the quoted message…" })).toHaveCount(0);
  expect(asked.filter((q) => q.startsWith("?around="))).toHaveLength(1);
  expect(asked.filter((q) => q.startsWith("?before="))).toHaveLength(0);

  // Older from the window: the existing `before` cursor.
  await scrollUp(vp, 4000);
  await expect(messageItem(vp, "seed 61")).toBeAttached();
  expect(asked.filter((q) => q.startsWith("?before=")).length).toBeGreaterThan(0);
  // Newer: `after` pages as the reader scrolls down, until the window meets the live tail.
  for (let i = 0; i < 60 && !(await answer.isVisible()); i++) {
    await wheel(vp, 2500);
    await vp.waitForTimeout(150);
  }
  await expect(answer).toBeVisible();
  expect(asked.filter((q) => q.startsWith("?after=")).length).toBeGreaterThan(0);
  // Every message is there once on the way down.
  await answer.scrollIntoViewIfNeeded();
  for (const body of ["seed 399", "seed 400", "Re: that one, far back"]) await expect(messageItem(vp, body)).toHaveCount(1);
  await vp.context().close();
});
