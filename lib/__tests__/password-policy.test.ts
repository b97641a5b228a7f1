import { describe, expect, it } from "vitest";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, passwordProblem } from "../password-policy";

describe("staff password policy", () => {
  it.each(["x", "Admin123", "admin123", "password1!", "qwertyuiop", "hunter2hunter2", "1234567890", "aaaaaaaaaaaa"])("refuses %s", (pw) => {
    expect(passwordProblem(pw)).toEqual(expect.any(String));
  });

  it("says why: length, or how it would be guessed", () => {
    expect(passwordProblem("short1!")).toBe(`Use at least ${PASSWORD_MIN_LENGTH} characters.`);
    expect(passwordProblem("a".repeat(PASSWORD_MAX_LENGTH + 1))).toBe(`Use at most ${PASSWORD_MAX_LENGTH} characters.`);
    expect(passwordProblem("password1234")).toMatch(/too easy to guess: it is/);
  });

  it("refuses a password built from the user's own name or email", () => {
    const me = ["Marisol Quintero", "marisol.quintero@example.com", "mquintero"];
    for (const pw of ["Quintero2025", "marisolquintero"]) {
      expect(passwordProblem(pw, me), pw).toMatch(/it contains your name, email or username/);
      // The same password is fine for someone else.
      expect(passwordProblem(pw), pw).toBeNull();
    }
  });

  it.each(["violet-canoe-orbit-42", "correct horse battery", "Tr0ub4dor&3-plus"])("accepts %s", (pw) => {
    expect(passwordProblem(pw)).toBeNull();
  });
});
