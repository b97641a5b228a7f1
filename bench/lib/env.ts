// Imported first by bench/run.ts: the app's logger reads LOG_LEVEL when its
// module is first evaluated, so quiet it before anything from lib/ loads.
process.env.LOG_LEVEL ??= "warn";
