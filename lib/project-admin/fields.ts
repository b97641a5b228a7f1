import { z } from "zod";
import { allowedOriginProblem, AllowedOrigins } from "../projects/origins";

/**
 * The project form's fields, with the messages shown next to each one. Shared
 * by create, update and clone, so one rule holds wherever a project is saved.
 */

/**
 * Slugs a project may not take: the app's own top-level paths (app/**) and
 * the names people would mistake for them. A project lives at /p/{slug}, so
 * none of these would actually collide today; refusing them keeps a later
 * top-level route (or a short link at /{slug}) from ever meeting a project.
 */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  "admin",
  "manager",
  "agent",
  "agents",
  "qa",
  "api",
  "login",
  "logout",
  "account",
  "p",
  "widget",
  "static",
  "public",
  "assets",
  "visitor-assets",
  "healthz",
  "ws",
  "sw",
  "manifest",
  "favicon",
  "icon",
  "new",
  "staff",
  "projects",
  "settings",
]);

export const SLUG_MAX = 40;
const SLUG = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

export const Slug = z
  .string({ error: "Enter a slug." })
  .trim()
  .min(2, "Use at least 2 characters.")
  .max(SLUG_MAX, `Use at most ${SLUG_MAX} characters.`)
  .superRefine((v, c) => {
    if (!SLUG.test(v)) c.addIssue({ code: "custom", message: "Use lower-case letters, digits and dashes (not at the start or end)." });
    else if (v.includes("--")) c.addIssue({ code: "custom", message: "Use single dashes between words." });
    else if (RESERVED_SLUGS.has(v)) c.addIssue({ code: "custom", message: `“${v}” is reserved. Choose another slug.` });
  });

const text = (max: number, empty?: string) => {
  const s = z.string({ error: "Enter text." }).trim().max(max, `Use at most ${max} characters.`);
  return empty ? s.min(1, empty) : s;
};

export const LIMITS = {
  title: 80,
  subtitle: 120,
  welcomeHeading: 120,
  welcomeMessage: 1000,
  formHeading: 120,
  formDescription: 500,
  aiInstructions: 8000,
  origins: 100,
} as const;

/** `#rrggbb` (the colour picker's own format), stored lower case. Readability is kept by the visitor page's own black-or-white text. */
export const AccentColor = z
  .string({ error: "Choose a colour." })
  .trim()
  .regex(/^#[0-9a-fA-F]{6}$/, "Use a colour like #2563eb.")
  .transform((v) => v.toLowerCase());

/**
 * Allowed embed origins: the textarea's text (one per line; blank lines
 * ignored) or a list. Each line is checked by the strict parser the CORS and
 * frame-ancestors checks match with (lib/projects/origins.ts); a bad line is
 * reported under `allowedOrigins.<line number>` and summarised under
 * `allowedOrigins`, so the form can say which lines to fix.
 */
export const AllowedOriginsField = z
  .union([z.string().max(40_000, "That list is too long."), z.array(z.string().max(400, "That origin is too long.")).max(LIMITS.origins * 2)], {
    error: "Enter one origin per line.",
  })
  .transform((v, c) => {
    const lines = typeof v === "string" ? v.split(/\r?\n/) : v;
    const entries: string[] = [];
    const bad: number[] = [];
    lines.forEach((raw, i) => {
      const line = raw.trim();
      if (!line) return;
      const problem = allowedOriginProblem(line);
      if (problem) {
        bad.push(i + 1);
        c.addIssue({ code: "custom", path: [String(i + 1)], message: `Line ${i + 1} (${line.slice(0, 80)}): ${problem}` });
      } else if (!entries.includes(line)) entries.push(line);
    });
    if (bad.length) {
      const which = bad.length === 1 ? `Line ${bad[0]} is` : `Lines ${bad.slice(0, 10).join(", ")}${bad.length > 10 ? "…" : ""} are`;
      c.addIssue({ code: "custom", message: `${which} not a valid origin. Use https://shop.example.com or https://*.example.com.` });
      return z.NEVER;
    }
    if (entries.length > LIMITS.origins) {
      c.addIssue({ code: "custom", message: `Use at most ${LIMITS.origins} origins.` });
      return z.NEVER;
    }
    return entries;
  })
  .pipe(AllowedOrigins);

export const WidgetPosition = z.enum(["right", "left"], { error: "Choose right or left." });

/** Every editable field (the icon has its own upload; the default flag its own verb). */
export const ProjectFields = {
  slug: Slug,
  title: text(LIMITS.title, "Enter a title."),
  subtitle: text(LIMITS.subtitle),
  accentColor: AccentColor,
  welcomeHeading: text(LIMITS.welcomeHeading, "Enter a welcome heading."),
  welcomeMessage: text(LIMITS.welcomeMessage),
  formHeading: text(LIMITS.formHeading, "Enter a heading for the contact form."),
  formDescription: text(LIMITS.formDescription),
  allowedOrigins: AllowedOriginsField,
  aiInstructions: text(LIMITS.aiInstructions),
  widgetPosition: WidgetPosition,
};

/** The row's `updatedAt` when the editor loaded it: a save from an older copy is refused (409). */
export const Version = z.iso.datetime({ offset: true, error: "Invalid version." });

const VERSION_CONFLICT = "Someone else changed this project since you opened it. Reload to see their changes, then try again.";
export { VERSION_CONFLICT };

/** A unique-index violation on the slug (a concurrent duplicate) as the field's 409; anything else: null. */
export function slugTaken(err: unknown): boolean {
  for (let e = err as { code?: string; constraint?: string; message?: string; cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++) {
    if (e.code === "23505" && `${e.constraint ?? ""} ${e.message ?? ""}`.includes("projects_slug_uq")) return true;
  }
  return false;
}

export const SLUG_TAKEN = "Another project already uses this slug.";
