import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import { adjacencyGraphs, dictionary } from "@zxcvbn-ts/language-common";
import { singleton } from "./singleton";

/** Every staff password: at least this long… */
export const PASSWORD_MIN_LENGTH = 10;
/** …and at most this (bcrypt reads 72 bytes; longer is a denial-of-service lever, not security). */
export const PASSWORD_MAX_LENGTH = 128;
/** zxcvbn's 0–4 scale: 3 is "safely unguessable" against an online or slow-hash attack. */
const MIN_SCORE = 3;

const estimator = () =>
  singleton("password-estimator", () => new ZxcvbnFactory({ dictionary: { ...dictionary }, graphs: adjacencyGraphs }));

/** zxcvbn's warning codes, said plainly. */
const WARNINGS: Record<string, string> = {
  topTen: "it is one of the most used passwords",
  topHundred: "it is one of the most used passwords",
  common: "it is a commonly used password",
  similarToCommon: "it is very close to a common password",
  wordByItself: "a single word is easy to guess",
  namesByThemselves: "names on their own are easy to guess",
  commonNames: "common names are easy to guess",
  userInputs: "it contains your name, email or username",
  straightRow: "it is a row of keys",
  keyPattern: "it is a keyboard pattern",
  simpleRepeat: "it repeats characters",
  extendedRepeat: "it repeats a pattern",
  sequences: "it is a sequence",
  recentYears: "recent years are easy to guess",
  dates: "dates are easy to guess",
};

/**
 * Why a staff password is refused, or null when it is acceptable: too short,
 * too long, or guessable — common passwords and their variants ("Admin123",
 * "password1!"), keyboard walks, repeats, and anything built from the user's
 * own name, email or username (`userInputs`). One rule for every staff
 * password and for ADMIN_PASSWORD in production.
 */
export function passwordProblem(password: string, userInputs: string[] = []): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (password.length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  const inputs = userInputs.flatMap((s) => [s, ...s.split(/[@._\s-]+/)]).filter((s) => s.length >= 3);
  const r = estimator().check(password, inputs);
  if (r.score >= MIN_SCORE) return null;
  const why = r.feedback.warning ? WARNINGS[r.feedback.warning] : undefined;
  const hint = why ? `: ${why}` : "";
  return `This password is too easy to guess${hint}. Try a longer phrase of unrelated words.`;
}
