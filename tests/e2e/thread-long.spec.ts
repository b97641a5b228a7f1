import type { Browser, Page } from "@playwright/test";
import { expect, test } from "./helpers";
import { adminPage, expectThreadReady, messageItem, messageList, sendText, startOwnServer, tail, type OwnServer } from "./chat-helpers";
import { answerFirstOlderPageWith, seedChats, type SeededChat } from "./thread-seed";

/**
 * A thread with thousands of messages loaded. The list lays out a slice of a
 * few hundred rows around the reader and stands in for the rest with two
 * spacers (components/chat/thread-rows.ts, RowSlice), so these walk it the
 * way a reader would and far past the slice's edges: scrolling the whole way
 * up, dragging the scrollbar, an older page landing above, a quote 2,500
 * messages back, and a reply sent from far up.
 *
 * 3,000 loaded is reached as bench/thread.ts reaches 50,000: the first older
 * page request is answered with the 2,970 messages before the open page,
 * fetched from the real endpoint in pages of 100 (paging up 30 at a time would
 * be 99 round trips per test). Every other request is the real one.
 */

const SEEDED_MESSAGES = 3200;
const LOADED = 3000;
const QUOTE_BACK = 2500;
const QUOTING = "Re: one from far back";

let server: OwnServer;
let chat: SeededChat;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  server = await startOwnServer({ name: "thread-long" });
  expect(await server.stop(), tail(server.logFile)).toBe(0);
  [chat] = await seedChats(server.database, [{ messages: SEEDED_MESSAGES, days: 12, replies: [{ back: QUOTE_BACK, body: QUOTING }] }]);
  await server.start();
});

test.afterAll(async () => {
  await server?.dispose();
});

/** `seed n` for the n-th seeded message. */
const seed = (n: number) => `seed ${n}`;
/** The oldest loaded message once LOADED are in the client (the reply is the newest of them). */
const OLDEST_LOADED = SEEDED_MESSAGES + 1 - LOADED + 1;

async function openWithHistory(browser: Browser): Promise<Page> {
  const page = await adminPage(browser, server.baseURL);
  await page.goto(`/admin/chats/${chat.conversationId}`);
  await expectThreadReady(page);
  await expect(messageItem(page, QUOTING)).toBeInViewport();
  await page.route("**/messages?before=*", answerFirstOlderPageWith(LOADED));
  await page.getByRole("button", { name: "Load older messages" }).click();
  // Merged and rendered: the reader stays where they were (the top of the 30), the 2,970 above them.
  await expect(messageList(page).getByRole("listitem").filter({ hasText: seed(SEEDED_MESSAGES - 30) })).toBeAttached();
  await expect(page.getByRole("button", { name: "Load older messages" })).toBeEnabled();
  return page;
}

/** The seeded numbers of the rows in the DOM (in DOM order), the one at the viewport's centre, and the scroll position. */
async function rendered(page: Page) {
  return page.evaluate(() => {
    const list = document.querySelector('ul[aria-label="Chat history"]')!;
    const scroller = list.closest(".overflow-y-auto") as HTMLElement;
    const num = (li: Element | undefined) => {
      const p = [...(li?.querySelectorAll("p") ?? [])].find((e) => /^seed \d+$/.test(e.textContent ?? ""));
      return p ? Number(p.textContent!.slice(5)) : null;
    };
    const box = scroller.getBoundingClientRect();
    const centre = document.elementsFromPoint(box.left + box.width / 2, box.top + box.height / 2).find((e) => e.tagName === "LI");
    return {
      seeds: [...list.querySelectorAll("li")].map(num).filter((n): n is number => n !== null),
      centre: num(centre),
      items: list.querySelectorAll("li").length,
      scrollTop: scroller.scrollTop,
      scrollHeight: scroller.scrollHeight,
    };
  });
}

/** No gap and no repeat among the rows in the DOM: each is the message after the one above it. */
function expectContiguous(seeds: number[], what: string) {
  for (let i = 1; i < seeds.length; i++) expect(seeds[i], `${what}: after ${seeds[i - 1]}`).toBe(seeds[i - 1] + 1);
}

const scrollTo = (page: Page, top: number) =>
  page.evaluate(async (t) => {
    const scroller = document.querySelector('ul[aria-label="Chat history"]')!.closest(".overflow-y-auto") as HTMLElement;
    scroller.scrollTop = t;
    // The scroll event, the list's re-render (and a re-slice), then a frame.
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  }, top);

test("with 3,000 loaded, scrolling from the latest to the oldest shows every message in order, and the DOM stays small", async ({ browser }) => {
  test.setTimeout(120_000);
  const page = await openWithHistory(browser);
  await page.getByRole("button", { name: "Scroll to the latest message" }).click();
  await expect(messageItem(page, QUOTING)).toBeInViewport();
  let r = await rendered(page);
  const seen = new Set<number>();
  for (let step = 0; r.scrollTop > 0 && step < 200; step++) {
    await scrollTo(page, r.scrollTop - 2500);
    r = await rendered(page);
    expect(r.centre, `step ${step}: a message at the centre (scrollTop ${r.scrollTop})`).not.toBeNull();
    expectContiguous(r.seeds, `step ${step}`);
    expect(r.items, `step ${step}: rows in the DOM`).toBeLessThan(200);
    for (const s of r.seeds) seen.add(s);
  }
  // Every loaded message went past (the prefetch near the top may have added older ones).
  for (let n = OLDEST_LOADED; n <= SEEDED_MESSAGES; n++) expect(seen.has(n), seed(n)).toBe(true);
  await page.context().close();
});

test("dragging the scrollbar deep into the history shows the messages there, and they stay put", async ({ browser }) => {
  const page = await openWithHistory(browser);
  const { scrollHeight } = await rendered(page);
  for (const at of [0.5, 0.15, 0.85]) {
    await scrollTo(page, Math.round(scrollHeight * at));
    const r = await rendered(page);
    expect(r.centre, `at ${at}`).not.toBeNull();
    expectContiguous(r.seeds, `at ${at}`);
    await page.waitForTimeout(300);
    expect((await rendered(page)).centre, `at ${at}, a moment later`).toBe(r.centre);
  }
  await page.context().close();
});

/**
 * Where the text of message `seed n` is on screen (its top, in viewport px), read in the page. A page
 * prepended above it must leave it there: the rows measured above the viewport, and the oldest loaded
 * message losing its date separator (its new predecessor is on the same day), all corrected.
 */
const textTop = (page: Page, n: number) =>
  page.evaluate((body) => {
    const p = [...document.querySelectorAll('ul[aria-label="Chat history"] li p')].find((e) => e.textContent === body);
    return p ? p.getBoundingClientRect().top : null;
  }, seed(n));

/**
 * Scroll to `top`, then (`settle` ms later) note the message at the viewport's centre and where its
 * text is, and click "Load older messages" in the same task: with `settle` 0 the list still counts the
 * reader as scrolling up (its size corrections differ then), as a reader who scrolls and clicks at once.
 */
const scrollThenLoadOlder = (page: Page, top: number, settle: number) =>
  page.evaluate(
    async ([t, wait]) => {
      const list = document.querySelector('ul[aria-label="Chat history"]')!;
      const scroller = list.closest(".overflow-y-auto") as HTMLElement;
      scroller.scrollTop = t;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      if (wait) await new Promise((r) => setTimeout(r, wait));
      const box = scroller.getBoundingClientRect();
      const li = document.elementsFromPoint(box.left + box.width / 2, box.top + box.height / 2).find((e) => e.tagName === "LI");
      const p = [...(li?.querySelectorAll("p") ?? [])].find((e) => /^seed \d+$/.test(e.textContent ?? ""));
      if (!p) return null;
      const at = { centre: Number(p.textContent!.slice(5)), top: p.getBoundingClientRect().top };
      const button = [...document.querySelectorAll("button")].find((b) => b.textContent === "Load older messages");
      if (!button) return null;
      button.click();
      return at;
    },
    [top, settle] as const,
  );

for (const [how, settle] of [
  ["while still scrolling up", 0],
  ["at rest", 400],
] as const) {
  test(`an older page landing above a reader with 3,000 loaded, clicked ${how}, doesn't move what they read`, async ({ browser }) => {
    const page = await openWithHistory(browser);
    // Near the top, outside the prefetch zone: only the click loads.
    const before = await scrollThenLoadOlder(page, 1500, settle);
    expect(before, "a message at the centre, and the button").not.toBeNull();
    await expect(messageItem(page, seed(OLDEST_LOADED - 1))).toBeAttached();
    await page.waitForTimeout(300); // measurements settle: nothing moves later either
    expect(await textTop(page, before!.centre)).toBeCloseTo(before!.top, 0);
    expectContiguous((await rendered(page)).seeds, "after the page");
    await page.context().close();
  });
}

test("at the very top of 3,000 loaded, the page landing above keeps the oldest message's text where it was", async ({ browser }) => {
  const page = await openWithHistory(browser);
  // Slow the next page a little: scrolling to the top prefetches it, and its position is read first.
  await page.route("**/messages?before=*", async (route) => {
    await new Promise((r) => setTimeout(r, 500));
    await route.fallback();
  });
  await scrollTo(page, 0);
  const top = await textTop(page, OLDEST_LOADED);
  expect(top, "the oldest loaded message on screen").not.toBeNull();
  // Its date separator shows: nothing loaded is older.
  await expect(messageItem(page, seed(OLDEST_LOADED)).getByRole("separator")).toHaveCount(1);
  await expect(messageItem(page, seed(OLDEST_LOADED - 1))).toBeAttached();
  await page.waitForTimeout(300);
  expect(await textTop(page, OLDEST_LOADED)).toBeCloseTo(top!, 0);
  expectContiguous((await rendered(page)).seeds, "after the page");
  await page.context().close();
});

test("a quote of a loaded message 2,500 back scrolls to it and highlights it without a request", async ({ browser }) => {
  const page = await openWithHistory(browser);
  await page.getByRole("button", { name: "Scroll to the latest message" }).click();
  await expect(messageItem(page, QUOTING)).toBeInViewport();
  const asked: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/messages?")) asked.push(new URL(r.url()).search);
  });
  const target = seed(SEEDED_MESSAGES + 1 - QUOTE_BACK);
  await messageItem(page, QUOTING).getByRole("button", { name: `Go to quoted message: ${target}` }).click();
  await expect(messageItem(page, target)).toBeInViewport();
  await expect(messageItem(page, target).locator("[data-sender]")).toHaveClass(/ring-yellow-300/);
  expectContiguous((await rendered(page)).seeds, "around the quote");
  expect(asked).toEqual([]);
  await page.context().close();
});

test("a reply sent from 3,000 messages up lands in view at the bottom", async ({ browser }) => {
  const page = await openWithHistory(browser);
  await scrollTo(page, 5000);
  await expect(messageItem(page, QUOTING)).toHaveCount(0); // far outside what is laid out
  await sendText(page, "Sent from the top of a long thread");
  await expect(messageItem(page, "Sent from the top of a long thread")).toBeInViewport();
  await page.context().close();
});
