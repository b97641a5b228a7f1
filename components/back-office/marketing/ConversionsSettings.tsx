"use client";

import { useId, useState } from "react";
import type { LeadStage } from "@/db/schema";
import { conversionsApi, GA4_EVENTS, META_EVENTS, PLATFORM_LABEL, type ConversionConfigDTO, type ConversionConfigUpdate, type ConversionPlatform } from "@/components/conversions/api";
import { ApiError, errorText } from "@/components/ui/api";
import { FormAlert, SelectField, SwitchField, TextField } from "@/components/ui/Field";
import { ui } from "@/components/ui/styles";
import { useToast } from "@/components/ui/Toast";
import { useServerPage } from "@/components/ui/useServerPage";
import { LEAD_STAGE_LABEL } from "../labels";

const STAGES = Object.keys(LEAD_STAGE_LABEL) as LeadStage[];

type Form = {
  meta: { enabled: boolean; pixelId: string; testEventCode: string; eventNames: Record<LeadStage, string> };
  ga4: { enabled: boolean; measurementId: string };
};
/** A secret as typed: "" leaves the stored one alone; `remove` sends "" (removes it). Never prefilled. */
type Secret = { text: string; remove: boolean };
const NO_SECRET: Secret = { text: "", remove: false };

const formOf = (c: ConversionConfigDTO): Form => ({
  meta: {
    enabled: c.meta.enabled,
    pixelId: c.meta.pixelId ?? "",
    testEventCode: c.meta.testEventCode ?? "",
    eventNames: Object.fromEntries(STAGES.map((s) => [s, c.meta.eventNames[s] ?? ""])) as Record<LeadStage, string>,
  },
  ga4: { enabled: c.ga4.enabled, measurementId: c.ga4.measurementId ?? "" },
});

const secretField = (s: Secret): string | undefined => (s.remove ? "" : s.text.trim() ? s.text.trim() : undefined);

/** Why a platform's test event can't be sent yet (from what is saved, not what is typed), or null when it can. */
function testBlocker(c: ConversionConfigDTO, platform: ConversionPlatform): string | null {
  if (platform === "meta") {
    if (!c.meta.pixelId || !c.meta.accessTokenLast4) return "Save a Pixel ID and an access token first.";
    // Meta files a test event only under a test event code (Events Manager → Test events).
    return c.meta.testEventCode ? null : "Save a test event code first.";
  }
  return c.ga4.measurementId && c.ga4.apiSecretLast4 ? null : "Save a measurement ID and an API secret first.";
}

/** The project's settings, loaded; the form starts again from the server's answer after each save. */
export function ConversionsSettings({ projectId, onTestQueued }: { projectId: number; onTestQueued: () => void }) {
  const page = useServerPage<ConversionConfigDTO>(conversionsApi.configUrl(projectId));
  const [saved, setSaved] = useState<ConversionConfigDTO | null>(null);
  const config = saved ?? page.data;
  if (page.status === "error" && !config) {
    return (
      <div role="alert" className={`${ui.alert} flex flex-wrap items-center gap-3`}>
        <span>Couldn&apos;t load the conversion settings: {page.error}</span>
        <button type="button" className={ui.button.secondary} onClick={() => page.reload()}>
          Try again
        </button>
      </div>
    );
  }
  if (!config) return <p role="status" className="text-sm text-slate-500">Loading conversion settings…</p>;
  return <SettingsForm key={config.updatedAt ?? "new"} config={config} onSaved={setSaved} onTestQueued={onTestQueued} />;
}

function SettingsForm({ config, onSaved, onTestQueued }: { config: ConversionConfigDTO; onSaved: (c: ConversionConfigDTO) => void; onTestQueued: () => void }) {
  const toast = useToast();
  const [form, setForm] = useState<Form>(() => formOf(config));
  const [token, setToken] = useState<Secret>(NO_SECRET);
  const [apiSecret, setApiSecret] = useState<Secret>(NO_SECRET);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dirty = JSON.stringify(form) !== JSON.stringify(formOf(config)) || secretField(token) !== undefined || secretField(apiSecret) !== undefined;
  const setMeta = (patch: Partial<Form["meta"]>) => setForm((f) => ({ ...f, meta: { ...f.meta, ...patch } }));
  const setGa4 = (patch: Partial<Form["ga4"]>) => setForm((f) => ({ ...f, ga4: { ...f.ga4, ...patch } }));

  async function save(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setFields({});
    setError(null);
    const accessToken = secretField(token);
    const secret = secretField(apiSecret);
    const body: ConversionConfigUpdate = {
      projectId: config.projectId,
      meta: {
        enabled: form.meta.enabled,
        pixelId: form.meta.pixelId.trim() || null,
        testEventCode: form.meta.testEventCode.trim() || null,
        eventNames: Object.fromEntries(STAGES.map((s) => [s, form.meta.eventNames[s] || null])) as Record<LeadStage, string | null>,
        ...(accessToken !== undefined ? { accessToken } : {}),
      },
      ga4: { enabled: form.ga4.enabled, measurementId: form.ga4.measurementId.trim() || null, ...(secret !== undefined ? { apiSecret: secret } : {}) },
    };
    try {
      const next = await conversionsApi.save(body);
      toast("Conversion settings saved.");
      setToken(NO_SECRET);
      setApiSecret(NO_SECRET);
      setBusy(false);
      // A new key remounts this form from the server's answer.
      onSaved(next);
    } catch (err) {
      if (err instanceof ApiError && Object.keys(err.fields).length) {
        setFields(err.fields);
        setError("Check the highlighted fields.");
      } else setError(`Couldn't save: ${errorText(err)}`);
      setBusy(false);
    }
  }

  return (
    <form onSubmit={save} noValidate aria-label="Conversion settings" className="space-y-4">
      <FormAlert>{error}</FormAlert>
      <div className="grid gap-4 lg:grid-cols-2">
        <PlatformCard
          projectId={config.projectId}
          platform="meta"
          title="Meta Conversions API"
          description="Each stage change is sent from the server to your pixel, with the same event ID the page pushes for the browser pixel, so Meta counts it once."
          blocker={testBlocker(config, "meta")}
          onTestQueued={onTestQueued}
        >
          <SwitchField label="Send events to Meta" checked={form.meta.enabled} disabled={busy} onChange={(enabled) => setMeta({ enabled })} error={fields["meta.enabled"]} />
          <TextField
            label="Pixel ID"
            inputMode="numeric"
            autoComplete="off"
            spellCheck={false}
            value={form.meta.pixelId}
            disabled={busy}
            onChange={(e) => setMeta({ pixelId: e.target.value })}
            error={fields["meta.pixelId"]}
            placeholder="123456789012345"
            hint="Events Manager → Data sources → your pixel."
          />
          <SecretInput
            label="Access token"
            last4={config.meta.accessTokenLast4}
            value={token}
            onChange={setToken}
            disabled={busy}
            error={fields["meta.accessToken"]}
            thing="token"
            howTo="Events Manager → your pixel → Settings → Conversions API → Generate access token."
          />
          <TextField
            label="Test event code"
            autoComplete="off"
            spellCheck={false}
            value={form.meta.testEventCode}
            disabled={busy}
            onChange={(e) => setMeta({ testEventCode: e.target.value })}
            error={fields["meta.testEventCode"]}
            placeholder="TEST12345"
            hint="Optional. While set, every event goes to Events Manager's Test events tab: clear it when you go live."
          />
          <fieldset className="rounded-md border border-slate-200 p-3">
            <legend className="px-1 text-sm font-semibold">Event for each stage</legend>
            <div className="grid gap-3 sm:grid-cols-2">
              {STAGES.map((s) => {
                const v = form.meta.eventNames[s];
                const custom = v !== "" && !(META_EVENTS as readonly string[]).includes(v);
                return (
                  <SelectField
                    key={s}
                    label={LEAD_STAGE_LABEL[s]}
                    value={v}
                    disabled={busy}
                    onChange={(e) => setMeta({ eventNames: { ...form.meta.eventNames, [s]: e.target.value } })}
                    error={fields[`meta.eventNames.${s}`]}
                  >
                    <option value="">Not sent</option>
                    {custom ? <option value={v}>{v} (custom)</option> : null}
                    {META_EVENTS.map((name) => (
                      <option key={name} value={name}>
                        {name}
                      </option>
                    ))}
                  </SelectField>
                );
              })}
            </div>
            <p className="mt-2 text-xs text-slate-500">Converted sends the deal value and currency the agent enters.</p>
          </fieldset>
        </PlatformCard>

        <PlatformCard
          projectId={config.projectId}
          platform="ga4"
          title="Google Analytics 4"
          description="Sent with the Measurement Protocol. GA4 can't tell a server copy from a browser one: send each event from one side only."
          blocker={testBlocker(config, "ga4")}
          onTestQueued={onTestQueued}
        >
          <SwitchField label="Send events to Google Analytics 4" checked={form.ga4.enabled} disabled={busy} onChange={(enabled) => setGa4({ enabled })} error={fields["ga4.enabled"]} />
          <TextField
            label="Measurement ID"
            autoComplete="off"
            spellCheck={false}
            value={form.ga4.measurementId}
            disabled={busy}
            onChange={(e) => setGa4({ measurementId: e.target.value })}
            error={fields["ga4.measurementId"]}
            placeholder="G-XXXXXXXXXX"
            hint="Admin → Data streams → your web stream."
          />
          <SecretInput
            label="API secret"
            last4={config.ga4.apiSecretLast4}
            value={apiSecret}
            onChange={setApiSecret}
            disabled={busy}
            error={fields["ga4.apiSecret"]}
            thing="secret"
            howTo="Admin → Data streams → your stream → Measurement Protocol API secrets → Create."
          />
          <div className="rounded-md border border-slate-200 p-3">
            <p className="text-sm font-semibold">Events sent</p>
            <ul className="mt-1 space-y-0.5 text-sm text-slate-700">
              {STAGES.map((s) => (
                <li key={s}>
                  {LEAD_STAGE_LABEL[s]} → {GA4_EVENTS[s] ? <code className="rounded bg-slate-100 px-1 text-xs">{GA4_EVENTS[s]}</code> : <span className="text-slate-500">not sent</span>}
                </li>
              ))}
            </ul>
            <p className="mt-2 text-xs text-slate-500">GA4&apos;s recommended lead events; Converted carries the deal value and currency.</p>
          </div>
        </PlatformCard>
      </div>
      <div className="flex flex-wrap items-center justify-end gap-2">
        {config.updatedAt ? <p className="mr-auto text-xs text-slate-500">Last saved {new Date(config.updatedAt).toLocaleString()}.</p> : null}
        <button
          type="button"
          className={ui.button.secondary}
          disabled={!dirty || busy}
          onClick={() => {
            setForm(formOf(config));
            setToken(NO_SECRET);
            setApiSecret(NO_SECRET);
            setFields({});
            setError(null);
          }}
        >
          Discard changes
        </button>
        <button type="submit" className={ui.button.primary} disabled={!dirty || busy}>
          {busy ? "Saving…" : "Save settings"}
        </button>
      </div>
    </form>
  );
}

function PlatformCard({
  projectId,
  platform,
  title,
  description,
  blocker,
  onTestQueued,
  children,
}: {
  projectId: number;
  platform: ConversionPlatform;
  title: string;
  description: string;
  blocker: string | null;
  onTestQueued: () => void;
  children: React.ReactNode;
}) {
  const id = useId();
  return (
    <section aria-labelledby={`${id}-title`} className={`${ui.card} min-w-0 space-y-3 p-4`}>
      <div>
        <h3 id={`${id}-title`} className="font-semibold">
          {title}
        </h3>
        <p className="text-sm text-slate-600">{description}</p>
      </div>
      {children}
      <TestEventButton projectId={projectId} platform={platform} blocker={blocker} onQueued={onTestQueued} />
    </section>
  );
}

/**
 * A write-only secret: never prefilled and never sent back, only its last
 * four characters shown. Empty keeps the stored one; "Remove" clears it on
 * save (undoable until then).
 */
function SecretInput({
  label,
  last4,
  value,
  onChange,
  disabled,
  error,
  thing,
  howTo,
}: {
  label: string;
  last4: string | null;
  value: Secret;
  onChange: (s: Secret) => void;
  disabled: boolean;
  error?: string;
  thing: string;
  howTo: string;
}) {
  if (value.remove) {
    return (
      <div>
        <p className="mb-1 block text-sm font-medium">{label}</p>
        <div className="flex flex-wrap items-center gap-2 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          <span>The stored {thing} (••••{last4}) is removed when you save.</span>
          <button type="button" className={ui.button.secondary} disabled={disabled} onClick={() => onChange(NO_SECRET)}>
            Keep it
          </button>
        </div>
        {error ? <p className="mt-1 text-xs text-red-700">{error}</p> : null}
      </div>
    );
  }
  return (
    <div className="space-y-1">
      <TextField
        label={label}
        type="password"
        autoComplete="new-password"
        spellCheck={false}
        value={value.text}
        disabled={disabled}
        onChange={(e) => onChange({ text: e.target.value, remove: false })}
        error={error}
        placeholder={last4 ? `Paste a new ${thing} to replace ••••${last4}` : `Paste the ${thing}`}
        hint={last4 ? `Stored, ending in ${last4}. Leave empty to keep it.` : `None stored. ${howTo}`}
      />
      {last4 && !value.text ? (
        <button type="button" className={ui.button.ghost} disabled={disabled} onClick={() => onChange({ text: "", remove: true })}>
          Remove the stored {thing}
        </button>
      ) : null}
    </div>
  );
}

function TestEventButton({ projectId, platform, blocker, onQueued }: { projectId: number; platform: ConversionPlatform; blocker: string | null; onQueued: () => void }) {
  const id = useId();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  return (
    <div className="flex flex-wrap items-center gap-2 border-t border-slate-100 pt-3">
      <button
        type="button"
        className={ui.button.secondary}
        disabled={blocker !== null || busy}
        aria-describedby={blocker ? `${id}-why` : undefined}
        onClick={async () => {
          setBusy(true);
          try {
            await conversionsApi.sendTest(projectId, platform);
            toast(`Test event queued for ${PLATFORM_LABEL[platform]}. The log below shows how it went.`);
            onQueued();
          } catch (err) {
            toast(`Couldn't send a test event: ${errorText(err)}`, "error");
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? "Sending…" : `Send test event to ${PLATFORM_LABEL[platform]}`}
      </button>
      {blocker ? (
        <p id={`${id}-why`} className="text-xs text-slate-500">
          {blocker}
        </p>
      ) : null}
    </div>
  );
}
