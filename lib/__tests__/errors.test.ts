import { describe, expect, it } from "vitest";
import { AppError, loggable, toHttpResponse, toWsError } from "../errors";

/** A database failure as drizzle hands it on: its own wrapper around the driver's error. */
function wrapped(driver: Error & { code?: string }) {
  return Object.assign(new Error('Failed query: insert into "messages" … params: a visitor\'s text'), { cause: driver });
}

describe("one mapping from errors to responses", () => {
  it("a database that is briefly gone is a 503 with Retry-After and a retryable code, never a 500", async () => {
    for (const driver of [
      Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }),
      Object.assign(new Error("could not serialize access"), { code: "40001" }),
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }),
      new Error("Connection terminated unexpectedly"),
    ]) {
      const res = toHttpResponse(wrapped(driver));
      expect(res.status, driver.message).toBe(503);
      expect(res.headers.get("retry-after")).toBe("2");
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("unavailable");
      // Nothing of the query or its parameters reaches the client.
      expect(body.error.message).not.toMatch(/insert|visitor/);
      expect(toWsError(wrapped(driver)).code).toBe("unavailable");
    }
  });

  it("anything else unknown stays a hidden 500; known refusals keep their status", async () => {
    const bug = toHttpResponse(wrapped(Object.assign(new Error("column does not exist"), { code: "42703" })));
    expect(bug.status).toBe(500);
    expect(bug.headers.get("retry-after")).toBeNull();
    expect(((await bug.json()) as { error: { code: string } }).error.code).toBe("internal");
    expect(toHttpResponse(new AppError("conflict", "Taken.")).status).toBe(409);
    const limited = toHttpResponse(new AppError("rate_limited", "Slow down.", { details: { retryAfterSeconds: 7 } }));
    expect([limited.status, limited.headers.get("retry-after")]).toEqual([429, "7"]);
  });
});

describe("what an unexpected database error leaves in the log", () => {
  it("keeps the SQL and the driver's error, never drizzle's message or the parameters", async () => {
    const { DrizzleQueryError } = await import("drizzle-orm/errors");
    const driver = Object.assign(new Error("column \"bodyy\" does not exist"), { code: "42703" });
    const err = new DrizzleQueryError('insert into "messages" ("bodyy") values ($1)', ["my secret phone 555-0100"], driver);
    const logged = JSON.stringify(loggable(err));
    expect(logged).toContain('insert into \\"messages\\"');
    expect(logged).toContain("42703");
    expect(logged).not.toContain("555-0100");
    // Any other error is logged as it is (its stack is what finds the bug).
    const bug = new TypeError("x is undefined");
    expect(loggable(bug)).toBe(bug);
  });
});
