import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { redisBackplane } from "../backplane";
import { Hub, type Identity } from "../hub";

/**
 * Two hubs, two HTTP servers, one Redis: a frame published on instance B
 * reaches a socket on instance A. Runs where TEST_REDIS_URL names a server
 * (CI starts one).
 */
const url = process.env.TEST_REDIS_URL;

describe.runIf(url)("redis backplane", () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of closers.reverse()) await c();
  });

  async function instance() {
    const hub: Hub = new Hub({
      authenticate: async (): Promise<Identity> => ({ kind: "visitor", visitorId: 1, projectId: 1 }),
      dispatch: () => {},
      lifecycle: { onOpen: (conn): void => hub.join(conn, "room:x") },
      backplane: await redisBackplane(url!),
      clientIp: () => "127.0.0.1",
    });
    const server = http.createServer();
    server.on("upgrade", (req, socket, head) => void hub.handleUpgrade(req, socket, head));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    closers.push(async () => {
      await hub.close();
      await new Promise((r) => server.close(r));
    });
    return { hub, port: (server.address() as AddressInfo).port };
  }

  it("delivers a room publish from one instance to sockets on another, once", async () => {
    const a = await instance();
    const b = await instance();
    const ws = new WebSocket(`ws://127.0.0.1:${a.port}/ws`);
    const frames: { type: string; n?: number }[] = [];
    ws.on("message", (d) => frames.push(JSON.parse(d.toString())));
    await new Promise((r) => ws.on("open", r));
    await expect.poll(() => frames.some((f) => f.type === "hello")).toBe(true);
    b.hub.publish("room:x", { type: "test", n: 1 });
    a.hub.publishMany(["room:x", "room:y"], { type: "test", n: 2 });
    await expect.poll(() => frames.filter((f) => f.type === "test").map((f) => f.n).sort()).toEqual([1, 2]);
    ws.close();
  });
});
