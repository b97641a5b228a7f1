import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { CLOSE } from "@/lib/constants";
import {
  BACKOFF_INITIAL_MS,
  BACKOFF_MAX_MS,
  backoffDelay,
  ReconnectingSocket,
  type SocketState,
  type WebSocketLike,
} from "../reconnecting-socket";

describe("backoffDelay", () => {
  it("doubles from 0.5 s up to 15 s, jittered over the upper half of each step", () => {
    const low = Array.from({ length: 8 }, (_, i) => backoffDelay(i, () => 0));
    const high = Array.from({ length: 8 }, (_, i) => backoffDelay(i, () => 1));
    expect(high).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
    expect(low).toEqual(high.map((d) => d / 2));
    expect(high[0]).toBe(BACKOFF_INITIAL_MS);
    expect(Math.max(...high)).toBe(BACKOFF_MAX_MS);
    expect(backoffDelay(3, () => 0.5)).toBe(3000);
  });
});

/** A real ws server on a free port; each test decides what it does with connections. */
async function server() {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise<void>((r) => wss.once("listening", () => r()));
  const port = (wss.address() as AddressInfo).port;
  const received: unknown[] = [];
  wss.on("connection", (ws) => ws.on("message", (d) => received.push(JSON.parse(d.toString()))));
  return { wss, url: `ws://127.0.0.1:${port}/ws`, received };
}

/**
 * A socket whose retries are recorded and fired at once (so the schedule is
 * checked without waiting), with jitter fixed at the middle of the step.
 */
function client(url: string, extra: { onRightsChanged?: () => void } = {}) {
  const delays: number[] = [];
  const states: SocketState[] = [];
  const socket = new ReconnectingSocket<{ type: string }, { type: string }>({
    url: () => url,
    createSocket: (u) => new WebSocket(u) as unknown as WebSocketLike,
    random: () => 0.5,
    setTimer: (fn, ms) => {
      delays.push(ms);
      return setTimeout(fn, 0);
    },
    clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
    onRightsChanged: extra.onRightsChanged ?? (() => {}),
  });
  socket.onState((s) => states.push(s));
  sockets.push(socket);
  return { socket, delays, states };
}

const sockets: ReconnectingSocket<{ type: string }, { type: string }>[] = [];
const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.stop();
  for (const w of servers.splice(0)) {
    for (const c of w.clients) c.terminate();
    await new Promise((r) => w.close(r));
  }
});

function until(cond: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (cond()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 5);
    };
    poll();
  });
}

describe("ReconnectingSocket against a real ws server", () => {
  it("opens, sends and receives JSON frames; send is refused while not open", async () => {
    const srv = await server();
    servers.push(srv.wss);
    srv.wss.on("connection", (ws) => ws.send(JSON.stringify({ type: "hello" })));
    const { socket, states } = client(srv.url);
    const frames: { type: string }[] = [];
    socket.onFrame((f) => frames.push(f));
    expect(socket.send({ type: "early" })).toBe(false);
    socket.start();
    await until(() => frames.length === 1, "hello");
    expect(frames).toEqual([{ type: "hello" }]);
    expect(socket.send({ type: "ping" })).toBe(true);
    await until(() => srv.received.length === 1, "the ping");
    expect(srv.received).toEqual([{ type: "ping" }]);
    expect(states).toEqual(["open"]);
  });

  it("a server restart (1012): reconnects after the first backoff step and fires onOpen again", async () => {
    const srv = await server();
    servers.push(srv.wss);
    const { socket, delays, states } = client(srv.url);
    let opens = 0;
    socket.onOpen(() => opens++);
    socket.start();
    await until(() => opens === 1, "first open");
    for (const c of srv.wss.clients) c.close(CLOSE.restart, "server restarting");
    await until(() => opens === 2, "reopen");
    expect(delays).toEqual([backoffDelay(0, () => 0.5)]);
    expect(states).toEqual(["open", "reconnecting", "open"]);
  });

  it("while the server is down, attempts back off step by step; the first success resets the schedule", async () => {
    const srv = await server();
    const url = srv.url;
    const port = Number(new URL(url).port);
    await new Promise((r) => srv.wss.close(r));
    const { socket, delays } = client(url);
    socket.start();
    await until(() => delays.length >= 7, "seven failed attempts");
    expect(delays.slice(0, 7)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => backoffDelay(i, () => 0.5)));
    expect(socket.state).toBe("reconnecting");

    // Back up on the same port: the next attempt connects, and a later drop starts from the first step again.
    const again = new WebSocketServer({ port, host: "127.0.0.1" });
    servers.push(again);
    await until(() => socket.state === "open", "reconnect once the server is back");
    const before = delays.length;
    for (const c of again.clients) c.close(CLOSE.restart);
    await until(() => delays.length > before, "the retry after the drop");
    expect(delays[before]).toBe(backoffDelay(0, () => 0.5));
  });

  it("signed out (4001): stops for good, no retry", async () => {
    const srv = await server();
    servers.push(srv.wss);
    let connections = 0;
    srv.wss.on("connection", (ws) => {
      connections++;
      ws.close(CLOSE.signedOut, "signed out");
    });
    const { socket, delays, states } = client(srv.url);
    socket.start();
    await until(() => socket.state === "signed-out", "signed-out");
    await new Promise((r) => setTimeout(r, 100));
    expect(delays).toEqual([]);
    expect(connections).toBe(1);
    expect(states).toEqual(["open", "signed-out"]);
    expect(socket.send({ type: "ping" })).toBe(false);
  });

  it("rights changed (4003): stops and asks for a reload instead of reconnecting", async () => {
    const srv = await server();
    servers.push(srv.wss);
    srv.wss.on("connection", (ws) => ws.close(CLOSE.rightsChanged, "rights changed"));
    let reloads = 0;
    const { socket, delays } = client(srv.url, { onRightsChanged: () => reloads++ });
    socket.start();
    await until(() => reloads === 1, "the reload");
    await new Promise((r) => setTimeout(r, 100));
    expect(socket.state).toBe("closed");
    expect(delays).toEqual([]);
    expect(reloads).toBe(1);
  });

  it("stop closes the connection and doesn't come back; start connects again", async () => {
    const srv = await server();
    servers.push(srv.wss);
    const { socket, delays } = client(srv.url);
    let opens = 0;
    socket.onOpen(() => opens++);
    socket.start();
    await until(() => opens === 1, "open");
    socket.stop();
    expect(socket.state).toBe("closed");
    await until(() => srv.wss.clients.size === 0, "the server to see the close");
    await new Promise((r) => setTimeout(r, 100));
    expect(delays).toEqual([]);
    socket.start();
    await until(() => opens === 2, "open after restart");
  });

  it("a throwing listener doesn't keep frames from the others", async () => {
    const srv = await server();
    servers.push(srv.wss);
    srv.wss.on("connection", (ws) => ws.send(JSON.stringify({ type: "hello" })));
    const { socket } = client(srv.url);
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on("uncaughtException", onError);
    try {
      socket.onFrame(() => {
        throw new Error("boom");
      });
      let got = 0;
      socket.onFrame(() => got++);
      socket.start();
      await until(() => got === 1 && errors.length === 1, "the second listener and the surfaced error");
      expect((errors[0] as Error).message).toBe("boom");
    } finally {
      process.off("uncaughtException", onError);
    }
  });
});
