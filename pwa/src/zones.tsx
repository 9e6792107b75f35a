// The IANA zones a person can choose from. The browser's list uses its own canonical names (Chromium says
// "Asia/Calcutta", the server may hold "Asia/Kolkata") and may leave out "UTC", so the zone in use is always
// added: a <select> whose value matches no option shows, and then saves, its first option instead.
export function zoneOptions(...inUse: (string | null | undefined)[]): string[] {
  const known = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const zones = new Set(known);
  for (const zone of inUse) if (zone) zones.add(zone);
  return [...zones].sort();
}

/** The zone this device is set to, as the browser names it. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** A select of IANA zones, controlled by the caller. */
export function ZoneSelect(props: {
  zones: string[];
  name: string;
  value: string;
  onInput?: (e: Event) => void;
  onChange?: (e: Event) => void;
}) {
  const { zones, ...select } = props;
  return (
    <select {...select}>
      {zones.map((z) => (
        <option key={z} value={z}>
          {z.replace(/_/g, " ")}
        </option>
      ))}
    </select>
  );
}
