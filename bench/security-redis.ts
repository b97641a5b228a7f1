/**
 * Child of bench/security.ts: one rate-limit consume with the Redis store
 * (REDIS_URL set by the parent), in ns/op. Prints `ns/op=<n>`, or nothing when
 * Redis doesn't answer.
 */
process.env.LOG_LEVEL ??= "warn";
process.env.RATE_LIMIT_FACTOR = "1";
const { consumeLimit, rateLimitStoreReady } = await import("../lib/security/rate-limits");
if (!(await rateLimitStoreReady(2_000))) process.exit(0);
const M = process.env.BENCH_QUICK === "1" ? 5_000 : 20_000;
const run = randomTag();
let best = Infinity;
for (let r = 0; r < 4; r++) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < M; i++) await consumeLimit("wsReceipt", `bench-${run}-${r}-${i & 4095}`);
  const ns = Number(process.hrtime.bigint() - t0) / M;
  if (r > 0) best = Math.min(best, ns);
}
console.log(`ns/op=${best.toFixed(1)}`);
process.exit(0);

function randomTag() {
  return Math.random().toString(36).slice(2, 10);
}
export {};
