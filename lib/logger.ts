import pino from "pino";
import { singleton } from "./singleton";

/** One pino logger per process; JSON in production, pretty when LOG_PRETTY=1. */
export const logger = singleton("logger", () =>
  pino({
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "warn" : "info"),
    base: undefined,
    // Integration secrets (Meta access tokens, GA4 API secrets) too: never in a log line, whatever object carries them.
    redact: [
      "password",
      "*.password",
      "passwordHash",
      "*.passwordHash",
      "cookie",
      "*.cookie",
      "accessToken",
      "*.accessToken",
      "access_token",
      "*.access_token",
      "apiSecret",
      "*.apiSecret",
      "api_secret",
      "*.api_secret",
    ],
  }),
);
