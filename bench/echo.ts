import { BenchSocket } from "./lib/client";
import { BODY } from "./delivery";
import { LoadRun, stage, type Lane, type LoadPlan, type LoadResult } from "./lib/load";
import { startEchoServer } from "./lib/servers";
import { mapLimit, sleep, type Summary } from "./lib/stats";

export type EchoPhase = { name: string; plan: LoadPlan; rtt: Summary; throughput: number; cpuMsPerMsg: number; skipped: number; cpu: LoadResult["cpu"] };
export type EchoResult = { sockets: number; frameBytes: number; phases: EchoPhase[] };

/**
 * The baseline: the same load shape against a bare `ws` echo server in the
 * same process, one client socket per lane, frames of the same size as a
 * real `send`. Round trip = client → server → client, the same two hops as
 * visitor → server → agent.
 */
export async function runEcho(
  lanesCount: number,
  plans: { name: string; plan: LoadPlan }[],
  timeoutMs: number,
): Promise<EchoResult> {
  const server = await startEchoServer();
  const socks: BenchSocket[] = [];
  let frameBytes = 0;
  try {
    await mapLimit(
      Array.from({ length: lanesCount }, (_, i) => i),
      32,
      async (i) => void (socks[i] = await BenchSocket.open(server.url, { expectHello: false })),
    );
    const phases: EchoPhase[] = [];
    const go = async (name: string, plan: LoadPlan, record: boolean) => {
      const prefix = `${name.replace(/[^A-Za-z0-9]/g, "")}${lanesCount}x`;
      const lanes: Lane[] = socks.map((s, i) => ({
        send(seq) {
          const key = `${prefix}_${i}_${seq}`.padEnd(8, "0");
          // Same shape and size as the full-stack `send` frame (conversation id of similar width).
          const text = JSON.stringify({ type: "send", ref: key, conversationId: 100000 + i, clientMsgId: key, body: BODY });
          frameBytes ||= Buffer.byteLength(text);
          run.stamp();
          s.sendRaw(text);
          return key;
        },
      }));
      const run = new LoadRun(lanes, plan, { deliver: false, tick: false });
      for (const s of socks) s.onFrame = (f, now) => run.ack(f.clientMsgId as string, now);
      const r = await run.run(timeoutMs);
      if (record)
        phases.push({
          name,
          plan,
          rtt: stage(r.samples, (s) => s.ack),
          throughput: (r.samples.length / r.wallMs) * 1000,
          cpuMsPerMsg: r.cpuMs / r.samples.length,
          skipped: r.skipped,
          cpu: r.cpu,
        });
    };
    await go("warm", { kind: "closed", total: Math.min(lanesCount, 100) * 5 }, false);
    await sleep(50);
    for (const p of plans) {
      await go(p.name, p.plan, true);
      await sleep(50);
    }
    return { sockets: lanesCount, frameBytes, phases };
  } finally {
    await mapLimit(socks.filter(Boolean), 64, (s) => s.close());
    await server.close();
  }
}
