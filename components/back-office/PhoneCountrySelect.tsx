"use client";

import { useMemo } from "react";
import { SelectField } from "@/components/ui/Field";
import { countryOptions } from "@/lib/chat/contact";

/**
 * "Country for numbers without +": the rules a lead import (a CSV upload, a
 * Google Sheets source) reads a local phone number by. "" is none: such
 * numbers are refused.
 */
export function PhoneCountrySelect({ value, onChange, error }: { value: string; onChange: (code: string) => void; error?: string }) {
  const countries = useMemo(() => countryOptions(), []);
  return (
    <SelectField label="Country for numbers without +" value={value} onChange={(e) => onChange(e.target.value)} error={error} hint="Numbers starting with + or 00 keep their own country.">
      <option value="">None (reject numbers without +)</option>
      {countries.map((c) => (
        <option key={c.code} value={c.code}>
          {c.name} ({c.dial})
        </option>
      ))}
    </SelectField>
  );
}
