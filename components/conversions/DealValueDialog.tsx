"use client";

import { useId, useState } from "react";
import { ApiError, errorText } from "@/components/ui/api";
import { Dialog } from "@/components/ui/Dialog";
import { FormAlert, SelectField, TextField } from "@/components/ui/Field";
import { ui } from "@/components/ui/styles";
import { currencyOptions, formatDealValue, lastCurrency, parseDealValue, rememberCurrency } from "./deal-value";

/** What "Converted" sends with the stage: the deal value and its currency (Meta's and GA4's Purchase value). */
export type DealValue = { value: number; currency: string };

/** Meta refuses a Purchase without a value, so one is always asked for (0 when the deal has none yet). */
const VALUE_REQUIRED = "Enter the deal's value, or 0 if it has none yet: the ad platforms need one for a purchase.";

/**
 * Asked when a lead is moved to Converted (the agent console, the chat modal,
 * the CRM): the deal's value and currency. A value is required (0 allowed:
 * Meta refuses a Purchase without one); the currency starts at the one this browser used last. Cancel leaves the stage
 * as it was; Confirm runs `onConfirm` (the stage change) here, so a refusal
 * shows in the dialog and the agent can correct it. Render it only while it
 * is asked (each opening starts clean).
 */
export function DealValueDialog({ leadName, onCancel, onConfirm }: { leadName?: string | null; onCancel: () => void; onConfirm: (deal: DealValue) => Promise<void> }) {
  const formId = useId();
  const [text, setText] = useState("");
  const [currency, setCurrency] = useState(lastCurrency);
  const [touched, setTouched] = useState(false);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The stored one is always listed, even if this browser's list lacks it (later choices come from the list).
  const [currencies] = useState(() => {
    const all = currencyOptions();
    const first = lastCurrency();
    return all.some((c) => c.code === first) ? all : [{ code: first, label: first }, ...all];
  });

  const parsed = parseDealValue(text, currency);
  const localError = !parsed.ok ? parsed.error : parsed.value === null ? VALUE_REQUIRED : undefined;
  const valueError = fields.value || (touched ? localError : undefined);
  const preview = parsed.ok && parsed.value !== null ? `Sent as ${formatDealValue(parsed.value, currency)}.` : "The amount the deal is worth, e.g. 1,250.50.";

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (!parsed.ok || parsed.value === null || busy) return;
    const value = parsed.value;
    setBusy(true);
    setFields({});
    setError(null);
    try {
      await onConfirm({ value, currency });
      rememberCurrency(currency);
    } catch (err) {
      if (err instanceof ApiError && (err.fields.value || err.fields.currency)) setFields(err.fields);
      else setError(`Couldn't mark the lead as converted: ${errorText(err)}`);
      setBusy(false);
    }
  }

  return (
    <Dialog
      open
      onClose={() => {
        if (!busy) onCancel();
      }}
      title="Mark as converted"
      description={<>What is the deal with {leadName || "this lead"} worth? It is sent to Meta and Google Analytics as the purchase value.</>}
      footer={
        <>
          <button type="button" className={ui.button.secondary} onClick={onCancel} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form={formId} className={ui.button.primary} disabled={busy}>
            {busy ? "Saving…" : "Mark as converted"}
          </button>
        </>
      }
    >
      <form id={formId} onSubmit={submit} noValidate className="space-y-3">
        <FormAlert>{error}</FormAlert>
        <div className="grid gap-3 sm:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
          <TextField
            label="Deal value"
            type="text"
            inputMode="decimal"
            autoComplete="off"
            autoFocus
            placeholder="1,250.50"
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setFields((f) => ({ ...f, value: "" }));
            }}
            onBlur={() => setTouched(true)}
            error={valueError || undefined}
            hint={preview}
            maxLength={24}
          />
          <SelectField
            label="Currency"
            value={currency}
            onChange={(e) => {
              setCurrency(e.target.value);
              setFields((f) => ({ ...f, currency: "" }));
            }}
            error={fields.currency || undefined}
          >
            {currencies.map((c) => (
              <option key={c.code} value={c.code}>
                {c.label}
              </option>
            ))}
          </SelectField>
        </div>
      </form>
    </Dialog>
  );
}
