// Imported first by bench/run.ts: the app's logger reads LOG_LEVEL when its
// module is first evaluated, so quiet it before anything from lib/ loads.
process.env.LOG_LEVEL ??= "warn";
// The load generator is one client sending as fast as it can: lift the per-client
// limits far above what it sends (the limiter still runs, so its cost is measured).
process.env.RATE_LIMIT_FACTOR ??= "100000";
