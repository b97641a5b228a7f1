import pino from "pino";
import { singleton } from "./singleton";

/** One pino logger per process; JSON in production, pretty when LOG_PRETTY=1. */
export const logger = singleton("logger", () =>
  pino({
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "warn" : "info"),
    base: undefined,
    redact: ["password", "*.password", "passwordHash", "*.passwordHash", "cookie", "*.cookie"],
  }),
);
