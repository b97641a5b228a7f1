"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useId, useState } from "react";
import type { ProjectBranding, ProjectDTO } from "@/lib/project-admin/get-project";
import { accentForeground, contrastRatio, DEFAULT_ACCENT, safeAccent } from "@/lib/projects/branding";
import { ApiError, errorText } from "@/components/ui/api";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { Described, FormAlert, SelectField, SwitchField, TextField } from "@/components/ui/Field";
import { ui } from "@/components/ui/styles";
import { useToast } from "@/components/ui/Toast";
import { projectsApi, type ProjectBody } from "./api";
import { EmbedCodes } from "./EmbedCodes";
import { LandingPreview } from "./LandingPreview";

type Form = Omit<ProjectBranding, "iconUrl"> & {
  allowedOrigins: string;
  aiInstructions: string;
  widgetPosition: "right" | "left";
  isDefault: boolean;
};

/** A new project starts from the schema's copy (db/schema/projects.ts). */
const BLANK: Form = {
  slug: "",
  title: "",
  subtitle: "",
  accentColor: DEFAULT_ACCENT,
  welcomeHeading: "Hi there 👋",
  welcomeMessage: "Ask us anything — we usually reply in under a minute.",
  formHeading: "Start a conversation",
  formDescription: "Leave your details and we'll connect you with our team.",
  allowedOrigins: "",
  aiInstructions: "",
  widgetPosition: "right",
  isDefault: false,
};

function formOf(p: ProjectDTO): Form {
  return {
    slug: p.slug,
    title: p.title,
    subtitle: p.subtitle,
    accentColor: p.accentColor,
    welcomeHeading: p.welcomeHeading,
    welcomeMessage: p.welcomeMessage,
    formHeading: p.formHeading,
    formDescription: p.formDescription,
    allowedOrigins: p.allowedOrigins.join("\n"),
    aiInstructions: p.aiInstructions,
    widgetPosition: p.widgetPosition,
    isDefault: p.isDefault,
  };
}

/** The fields a save sends: on an edit only what differs from the saved copy (and the version it was opened at). */
function bodyOf(form: Form, saved: ProjectDTO | null): ProjectBody {
  const { isDefault, ...fields } = form;
  if (!saved) return { ...fields, isDefault };
  const before = formOf(saved);
  const body: ProjectBody = { version: saved.version };
  for (const k of Object.keys(fields) as (keyof typeof fields)[]) if (fields[k] !== before[k]) (body as Record<string, unknown>)[k] = fields[k];
  if (isDefault && !saved.isDefault) body.isDefault = true;
  return body;
}

/**
 * Create or edit a project: every field with its server-side error under it,
 * a live preview of the visitor page from the unsaved values beside the
 * form, the icon upload, and (once saved) the embed codes. A save from a
 * stale copy is refused by the server and offered a reload here.
 */
export function ProjectEditor({
  projectId,
  basePath,
  appUrl,
  appUrlConfigured,
}: {
  /** null: a new project. */
  projectId: number | null;
  basePath: string;
  appUrl: string;
  appUrlConfigured: boolean;
}) {
  const router = useRouter();
  const toast = useToast();
  const [saved, setSaved] = useState<ProjectDTO | null>(null);
  const [form, setForm] = useState<Form>(BLANK);
  const [load, setLoad] = useState<{ status: "loading" | "ready" | "error"; error?: string }>({ status: projectId === null ? "ready" : "loading" });
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [stale, setStale] = useState(false);
  const [busy, setBusy] = useState(false);
  const [reloadKey, setReloadKey] = useState(0);
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));

  useEffect(() => {
    if (projectId === null) return;
    const ctl = new AbortController();
    projectsApi.get(projectId, ctl.signal).then(
      (p) => {
        setSaved(p);
        setForm(formOf(p));
        setFields({});
        setError(null);
        setStale(false);
        setLoad({ status: "ready" });
      },
      (e) => {
        if (!ctl.signal.aborted) setLoad({ status: "error", error: errorText(e) });
      },
    );
    return () => ctl.abort();
  }, [projectId, reloadKey]);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setFields({});
    setError(null);
    setStale(false);
    try {
      if (!saved) {
        const p = await projectsApi.create(bodyOf(form, null));
        toast(`Project “${p.title}” was created.`);
        router.replace(`${basePath}/${p.id}`);
        return;
      }
      const p = await projectsApi.update(saved.id, bodyOf(form, saved));
      setSaved(p);
      setForm(formOf(p));
      toast("Changes saved.");
    } catch (err) {
      if (err instanceof ApiError) {
        const { version, ...rest } = err.fields;
        setFields(rest);
        setStale(Boolean(version));
        setError(version ?? (Object.keys(rest).length ? "Check the highlighted fields." : err.message));
      } else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  if (load.status === "loading") {
    return (
      <p role="status" className="text-sm text-slate-500">
        Loading project…
      </p>
    );
  }
  if (load.status === "error") {
    return (
      <div role="alert" className="flex flex-wrap items-center gap-3 text-sm text-red-700">
        <span>Couldn&apos;t load the project: {load.error}</span>
        <button type="button" className={ui.button.secondary} onClick={() => setReloadKey((k) => k + 1)}>
          Try again
        </button>
        <Link href={basePath} className={ui.button.ghost}>
          Back to projects
        </Link>
      </div>
    );
  }

  const accent = safeAccent(form.accentColor);
  const onAccent = accentForeground(accent);
  const ratio = contrastRatio(accent, onAccent);
  const originErrors = Object.entries(fields)
    .filter(([k]) => k.startsWith("allowedOrigins."))
    .map(([, v]) => v);
  const title = saved ? `Edit ${saved.title}` : "New project";

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="min-w-0">
          <Link href={basePath} className="text-sm text-blue-700 hover:underline">
            ← Projects
          </Link>
          <h2 className="mt-1 truncate text-base font-semibold">{title}</h2>
        </div>
        {saved ? (
          <a href={`/p/${encodeURIComponent(saved.slug)}`} target="_blank" rel="noreferrer" className={ui.button.secondary}>
            Open visitor page
          </a>
        ) : null}
      </div>

      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
        <div className="space-y-6">
          <form onSubmit={submit} noValidate aria-label={title} className={`${ui.card} space-y-5 p-4`}>
            {error ? (
              <FormAlert>
                {error}
                {stale ? (
                  <>
                    {" "}
                    <button type="button" className="font-medium underline" onClick={() => setReloadKey((k) => k + 1)}>
                      Reload
                    </button>
                  </>
                ) : null}
              </FormAlert>
            ) : null}

            <fieldset className="grid gap-4 sm:grid-cols-2">
              <legend className="mb-2 text-sm font-semibold text-slate-800">Identity</legend>
              <TextField label="Title" value={form.title} onChange={(e) => set("title", e.target.value)} error={fields.title} maxLength={80} required />
              <TextField
                label="Slug"
                value={form.slug}
                onChange={(e) => set("slug", e.target.value.toLowerCase())}
                error={fields.slug}
                maxLength={40}
                required
                spellCheck={false}
                autoCapitalize="none"
                hint={saved && form.slug !== saved.slug ? "Changing the slug moves the page: links and embeds with the old one stop working." : `The page lives at /p/${form.slug || "your-slug"}.`}
              />
              <TextField label="Subtitle" value={form.subtitle} onChange={(e) => set("subtitle", e.target.value)} error={fields.subtitle} maxLength={120} className="sm:col-span-2" />
            </fieldset>

            <fieldset className="grid gap-4 sm:grid-cols-2">
              <legend className="mb-2 text-sm font-semibold text-slate-800">Look</legend>
              <AccentField value={form.accentColor} onChange={(v) => set("accentColor", v)} error={fields.accentColor} ratio={ratio} onAccent={onAccent} />
              <SelectField label="Widget position" value={form.widgetPosition} onChange={(e) => set("widgetPosition", e.target.value as Form["widgetPosition"])} error={fields.widgetPosition}>
                <option value="right">Bottom right</option>
                <option value="left">Bottom left</option>
              </SelectField>
              <IconField project={saved} onChange={(p) => setSaved(p)} />
            </fieldset>

            <fieldset className="grid gap-4">
              <legend className="mb-2 text-sm font-semibold text-slate-800">Visitor page copy</legend>
              <TextField label="Welcome heading" value={form.welcomeHeading} onChange={(e) => set("welcomeHeading", e.target.value)} error={fields.welcomeHeading} maxLength={120} required />
              <TextArea label="Welcome message" value={form.welcomeMessage} onChange={(v) => set("welcomeMessage", v)} error={fields.welcomeMessage} maxLength={1000} rows={3} />
              <TextField label="Contact form heading" value={form.formHeading} onChange={(e) => set("formHeading", e.target.value)} error={fields.formHeading} maxLength={120} required />
              <TextArea label="Contact form description" value={form.formDescription} onChange={(v) => set("formDescription", v)} error={fields.formDescription} maxLength={500} rows={2} />
            </fieldset>

            <fieldset className="grid gap-4">
              <legend className="mb-2 text-sm font-semibold text-slate-800">Embedding and AI</legend>
              <TextArea
                label="Allowed embed origins"
                value={form.allowedOrigins}
                onChange={(v) => set("allowedOrigins", v)}
                error={fields.allowedOrigins}
                extraErrors={originErrors}
                rows={4}
                mono
                placeholder={"https://www.client.com\nhttps://*.client.com"}
                hint="One per line, exactly as the browser shows it: scheme and host, no path. https://*.client.com allows every subdomain. Changes apply within 30 seconds."
              />
              <TextArea
                label="AI instructions"
                value={form.aiInstructions}
                onChange={(v) => set("aiInstructions", v)}
                error={fields.aiInstructions}
                maxLength={8000}
                rows={4}
                hint="How the AI agent should behave for this project: tone, what it may promise, when to hand over to a person."
              />
              <SwitchField
                label="Default project"
                checked={form.isDefault}
                disabled={saved?.isDefault}
                onChange={(v) => set("isDefault", v)}
                error={fields.isDefault}
                hint={
                  saved?.isDefault
                    ? "This is the default. To change it, make another project the default."
                    : "Used when a widget has no data-project, and for visitors who open the site's home page."
                }
              />
            </fieldset>

            <div className="flex flex-wrap justify-end gap-2 border-t border-slate-200 pt-4">
              <Link href={basePath} className={ui.button.secondary}>
                Cancel
              </Link>
              <button type="submit" className={ui.button.primary} disabled={busy}>
                {busy ? "Saving…" : saved ? "Save changes" : "Create project"}
              </button>
            </div>
          </form>

          {saved ? <EmbedCodes appUrl={appUrl} appUrlConfigured={appUrlConfigured} slug={saved.slug} widgetPosition={saved.widgetPosition} /> : null}
        </div>

        <aside aria-labelledby="preview-title" className="space-y-2 lg:sticky lg:top-4 lg:self-start">
          <h2 id="preview-title" className="text-sm font-semibold text-slate-800">
            Live preview
          </h2>
          <p className="text-xs text-slate-500">The visitor page with your unsaved changes.</p>
          <LandingPreview draft={{ ...form, iconUrl: saved?.iconUrl ?? null }} />
        </aside>
      </div>
    </div>
  );
}

function AccentField({ value, onChange, error, ratio, onAccent }: { value: string; onChange: (v: string) => void; error?: string; ratio: number; onAccent: string }) {
  const id = useId();
  const valid = /^#[0-9a-fA-F]{6}$/.test(value);
  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-sm font-medium">
        Accent colour
      </label>
      <div className="flex items-center gap-2">
        <input
          type="color"
          aria-label="Pick the accent colour"
          value={valid ? value.toLowerCase() : DEFAULT_ACCENT}
          onChange={(e) => onChange(e.target.value)}
          className="h-9 w-11 shrink-0 cursor-pointer rounded border border-slate-300 bg-white p-0.5"
        />
        <input
          id={id}
          value={value}
          onChange={(e) => onChange(e.target.value.trim())}
          maxLength={7}
          spellCheck={false}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-note`}
          className={`${ui.input} font-mono`}
        />
      </div>
      <p id={`${id}-note`} className={`mt-1 text-xs ${error ? "text-red-700" : "text-slate-500"}`}>
        {error ??
          (valid
            ? `Text on it is ${onAccent === "#ffffff" ? "white" : "black"}, contrast ${ratio.toFixed(1)}:1 (WCAG AA needs 4.5:1).`
            : "Use a colour like #2563eb.")}
      </p>
    </div>
  );
}

function TextArea({
  label,
  value,
  onChange,
  error,
  extraErrors = [],
  hint,
  rows,
  maxLength,
  mono,
  placeholder,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  error?: string;
  extraErrors?: string[];
  hint?: string;
  rows: number;
  maxLength?: number;
  mono?: boolean;
  placeholder?: string;
}) {
  const id = useId();
  const described = [error ? `${id}-error` : null, extraErrors.length ? `${id}-lines` : null, !error && hint ? `${id}-hint` : null].filter(Boolean).join(" ");
  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-sm font-medium">
        {label}
      </label>
      <textarea
        id={id}
        value={value}
        rows={rows}
        maxLength={maxLength}
        placeholder={placeholder}
        spellCheck={mono ? false : undefined}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
        className={`${ui.input} ${mono ? "font-mono text-xs" : ""}`}
      />
      <Described id={id} error={error} hint={hint} />
      {extraErrors.length ? (
        <ul id={`${id}-lines`} className="mt-1 list-disc space-y-0.5 pl-4 text-xs text-red-700">
          {extraErrors.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** The icon: uploaded (and stored) at once for a saved project; a new one gets its icon after it is created. */
function IconField({ project, onChange }: { project: ProjectDTO | null; onChange: (p: ProjectDTO) => void }) {
  const id = useId();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [confirmRemove, setConfirmRemove] = useState(false);
  if (!project) {
    return (
      <div className="sm:col-span-2">
        <p className="mb-1 text-sm font-medium">Icon</p>
        <p className="text-xs text-slate-500">Create the project first, then upload its icon.</p>
      </div>
    );
  }
  return (
    <div className="sm:col-span-2">
      <label htmlFor={id} className="mb-1 block text-sm font-medium">
        Icon
      </label>
      <div className="flex flex-wrap items-center gap-3">
        {project.iconUrl ? (
          <img src={project.iconUrl} alt="Current icon" width={40} height={40} className="h-10 w-10 rounded-full border border-slate-200 object-cover" />
        ) : (
          <span className="flex h-10 w-10 items-center justify-center rounded-full border border-dashed border-slate-300 text-xs text-slate-400" aria-hidden="true">
            —
          </span>
        )}
        <input
          id={id}
          type="file"
          accept="image/png,image/jpeg,image/webp,image/gif"
          disabled={busy}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-note`}
          onChange={async (e) => {
            const file = e.target.files?.[0];
            e.target.value = "";
            if (!file) return;
            setBusy(true);
            setError(null);
            try {
              onChange(await projectsApi.uploadIcon(project.id, file));
              toast("Icon updated.");
            } catch (err) {
              setError(err instanceof ApiError ? (err.fields.icon ?? err.message) : errorText(err));
            } finally {
              setBusy(false);
            }
          }}
          className="text-sm file:mr-3 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-slate-700 hover:file:bg-slate-50"
        />
        {project.iconUrl ? (
          <button type="button" className={ui.button.ghost} onClick={() => setConfirmRemove(true)} disabled={busy}>
            Remove icon
          </button>
        ) : null}
      </div>
      <p id={`${id}-note`} className={`mt-1 text-xs ${error ? "text-red-700" : "text-slate-500"}`}>
        {error ?? (busy ? "Uploading…" : "JPEG, PNG, WebP or GIF, up to 2 MB. Saved as soon as you pick it; shown round on the visitor page.")}
      </p>
      {confirmRemove ? (
        <ConfirmDialog
          open
          onClose={() => setConfirmRemove(false)}
          title="Remove the icon?"
          message="The visitor page and widget show the app's own icon instead."
          confirmLabel="Remove icon"
          onConfirm={async () => {
            onChange(await projectsApi.removeIcon(project.id));
            toast("Icon removed.");
          }}
        />
      ) : null}
    </div>
  );
}
