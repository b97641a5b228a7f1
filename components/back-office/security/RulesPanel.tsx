"use client";

import { useState } from "react";
import type { StrikeRule } from "@/db/schema";
import type { RuleSettings } from "@/lib/security/rules";
import { ApiError, errorText } from "@/components/ui/api";
import { FormAlert, TextField } from "@/components/ui/Field";
import { ui } from "@/components/ui/styles";
import { useToast } from "@/components/ui/Toast";
import { securityApi, type SecurityPageSettings } from "./api";
import { ReadOnlyNote, RULE_LABEL } from "./parts";

const FIELDS = [
  { key: "limit", label: "Strikes", unit: "" },
  { key: "windowMinutes", label: "Within (minutes)", unit: "min" },
  { key: "blockMinutes", label: "Block for (minutes)", unit: "min" },
] as const satisfies readonly { key: keyof RuleSettings; label: string; unit: string }[];

type Form = Record<StrikeRule, Record<keyof RuleSettings, string>>;

/** Save a form of numbers: the server's field errors go next to their fields. True when it saved. */
async function saveNumbers(run: () => Promise<unknown>, on: { setFields: (f: Record<string, string>) => void; setError: (e: string | null) => void }): Promise<boolean> {
  try {
    await run();
    return true;
  } catch (err) {
    if (err instanceof ApiError && Object.keys(err.fields).length) {
      on.setFields(err.fields);
      on.setError("Check the highlighted numbers.");
    } else on.setError(errorText(err));
    return false;
  }
}

/** A number field's text as the server checks it ("" or "2.5" stay as typed, so the server's message says what is wrong). */
const num = (s: string): number | string => (/^-?\d+$/.test(s.trim()) ? Number(s.trim()) : s);

/**
 * The four strike rules (how many strikes in how long block a client for
 * how long), each with the brief's default beside it, and the rate limits.
 * Editing is global configuration (`security.manage`): others see the same
 * numbers read-only.
 */
export function RulesPanel({ settings, onSaved }: { settings: SecurityPageSettings; onSaved: () => void }) {
  const toast = useToast();
  const rules = Object.keys(settings.strikeRules) as StrikeRule[];
  const start = (): Form =>
    Object.fromEntries(rules.map((r) => [r, Object.fromEntries(FIELDS.map((f) => [f.key, String(settings.strikeRules[r][f.key])]))])) as Form;
  const [form, setForm] = useState<Form>(start);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const editable = settings.rights.editSettings;
  const dirty = rules.some((r) => FIELDS.some((f) => form[r][f.key] !== String(settings.strikeRules[r][f.key])));

  async function save(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setFields({});
    setError(null);
    const change: Record<string, Record<string, number | string>> = {};
    for (const r of rules) {
      for (const f of FIELDS) {
        if (form[r][f.key] !== String(settings.strikeRules[r][f.key])) (change[r] ??= {})[f.key] = num(form[r][f.key]);
      }
    }
    if (await saveNumbers(() => securityApi.updateRules(change as Parameters<typeof securityApi.updateRules>[0]), { setFields, setError })) {
      toast("Strike rules saved. Every instance applies them within a few seconds.");
      onSaved();
    }
    setBusy(false);
  }

  return (
    <div className="space-y-6">
      <form onSubmit={save} noValidate aria-labelledby="strike-rules-title" className={`${ui.card} space-y-4 p-4`}>
        <div>
          <h3 id="strike-rules-title" className="font-semibold">
            Strike rules
          </h3>
          <p className="text-sm text-slate-600">A client that reaches a rule&apos;s number of strikes within its window is blocked automatically. Allow-listed clients are never struck.</p>
        </div>
        {!editable ? <ReadOnlyNote>These rules are global configuration: only an admin can change them. You can still block and unblock visitors on the Blocked IPs tab.</ReadOnlyNote> : null}
        <FormAlert>{error}</FormAlert>
        <div className="grid gap-4 lg:grid-cols-2">
          {rules.map((r) => {
            const s = settings.strikeRules[r];
            return (
              <fieldset key={r} className="rounded-md border border-slate-200 p-3">
                <legend className="px-1 text-sm font-semibold">{RULE_LABEL[r]}</legend>
                <p className="mb-2 text-xs text-slate-500">
                  Now: {s.reason}, then blocked {s.blockMinutes} min. Default: {s.defaults.limit} in {s.defaults.windowMinutes} min → {s.defaults.blockMinutes} min.
                </p>
                <div className="grid grid-cols-3 gap-2">
                  {FIELDS.map((f) => (
                    <TextField
                      key={f.key}
                      label={f.label}
                      aria-label={`${RULE_LABEL[r]}: ${f.label}`}
                      inputMode="numeric"
                      value={form[r][f.key]}
                      disabled={!editable || busy}
                      error={fields[`${r}.${f.key}`]}
                      min={settings.bounds[f.key].min}
                      max={settings.bounds[f.key].max}
                      onChange={(e) => setForm((x) => ({ ...x, [r]: { ...x[r], [f.key]: e.target.value } }))}
                    />
                  ))}
                </div>
              </fieldset>
            );
          })}
        </div>
        {editable ? (
          <div className="flex flex-wrap justify-end gap-2">
            <button type="button" className={ui.button.secondary} disabled={!dirty || busy} onClick={() => (setForm(start()), setFields({}), setError(null))}>
              Discard changes
            </button>
            <button type="submit" className={ui.button.primary} disabled={!dirty || busy}>
              {busy ? "Saving…" : "Save strike rules"}
            </button>
          </div>
        ) : null}
      </form>

      <RateLimitsForm settings={settings} onSaved={onSaved} />
    </div>
  );
}

const per = (seconds: number) => (seconds === 1 ? "second" : seconds < 60 || seconds % 60 ? `${seconds} s` : seconds === 60 ? "minute" : `${seconds / 60} min`);

type LimitForm = Record<string, { points: string; seconds: string }>;

/**
 * The per-client rate limits, editable by whoever may change global
 * configuration: requests per window for each entry point, the default
 * beside it, and what this instance applies under RATE_LIMIT_FACTOR.
 */
function RateLimitsForm({ settings, onSaved }: { settings: SecurityPageSettings; onSaved: () => void }) {
  const toast = useToast();
  const start = (): LimitForm => Object.fromEntries(settings.rateLimits.map((l) => [l.name, { points: String(l.points), seconds: String(l.seconds) }]));
  const [form, setForm] = useState<LimitForm>(start);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const editable = settings.rights.editSettings;
  const changed = (l: SecurityPageSettings["rateLimits"][number]) => ({
    points: form[l.name].points !== String(l.points),
    seconds: form[l.name].seconds !== String(l.seconds),
  });
  const dirty = settings.rateLimits.some((l) => changed(l).points || changed(l).seconds);

  async function save(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setFields({});
    setError(null);
    const change: Record<string, { points?: number | string; seconds?: number | string }> = {};
    for (const l of settings.rateLimits) {
      const c = changed(l);
      if (c.points) (change[l.name] ??= {}).points = num(form[l.name].points);
      if (c.seconds) (change[l.name] ??= {}).seconds = num(form[l.name].seconds);
    }
    if (await saveNumbers(() => securityApi.updateRateLimits(change), { setFields, setError })) {
      toast("Rate limits saved. Every instance applies them within a few seconds.");
      onSaved();
    }
    setBusy(false);
  }

  return (
    <form onSubmit={save} noValidate aria-labelledby="rate-limits-title" className={`${ui.card} space-y-3 p-4`}>
      <div>
        <h3 id="rate-limits-title" className="font-semibold">
          Rate limits
        </h3>
        <p className="text-sm text-slate-600">
          Per client, on every public entry point. A client over a limit waits (HTTP 429 with Retry-After); every hit is a strike under the rate-limit rule ({settings.strikeRules.rate_limit.reason} block it).
          {settings.rateLimitFactor !== 1 ? ` This deployment multiplies every limit by ${settings.rateLimitFactor} (RATE_LIMIT_FACTOR).` : ""}
        </p>
      </div>
      {!editable ? <ReadOnlyNote>Rate limits are global configuration: only an admin can change them.</ReadOnlyNote> : null}
      <FormAlert>{error}</FormAlert>
      <div className="overflow-x-auto">
        <table className="w-full min-w-[34rem] text-left text-sm">
          <caption className="sr-only">Rate limits</caption>
          <thead className="text-xs text-slate-500 uppercase">
            <tr>
              <th scope="col" className="py-1 font-medium">
                Entry point
              </th>
              <th scope="col" className="py-1 font-medium">
                Requests
              </th>
              <th scope="col" className="py-1 font-medium">
                Per (seconds)
              </th>
              <th scope="col" className="py-1 font-medium">
                Default
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {settings.rateLimits.map((l) => (
              <tr key={l.name} className="align-top">
                <th scope="row" className="py-2 pr-3 font-normal">
                  {l.label}
                  {l.appliedPoints !== l.points ? <span className="block text-xs text-slate-500">Applied here: {l.appliedPoints} per {per(l.seconds)}</span> : null}
                </th>
                {(["points", "seconds"] as const).map((f) => (
                  <td key={f} className="py-2 pr-3">
                    <TextField
                      label={`${l.label}: ${f === "points" ? "requests" : "per seconds"}`}
                      hideLabel
                      inputMode="numeric"
                      value={form[l.name][f]}
                      disabled={!editable || busy}
                      error={fields[`${l.name}.${f}`]}
                      onChange={(e) => setForm((x) => ({ ...x, [l.name]: { ...x[l.name], [f]: e.target.value } }))}
                    />
                  </td>
                ))}
                <td className="py-2 text-slate-500 tabular-nums">
                  {l.defaults.points} per {per(l.defaults.seconds)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {editable ? (
        <div className="flex flex-wrap justify-end gap-2">
          <button type="button" className={ui.button.secondary} disabled={!dirty || busy} onClick={() => (setForm(start()), setFields({}), setError(null))}>
            Discard rate-limit changes
          </button>
          <button type="submit" className={ui.button.primary} disabled={!dirty || busy}>
            {busy ? "Saving…" : "Save rate limits"}
          </button>
        </div>
      ) : null}
    </form>
  );
}
