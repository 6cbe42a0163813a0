// A year is 365.25 days: five of them span the leap day they hold, whichever five they are.
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, y: 31_557_600_000 } as const;

export type DurationUnit = keyof typeof UNIT_MS;

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|y)?$/;

export interface DurationGrammar {
  /** The unit of a bare number; null: a unit is required. */
  bare?: DurationUnit | null;
  /** The units accepted; all by default. */
  units?: readonly DurationUnit[];
  /** Whether "0.5" or "1.5s" is one. */
  fractions?: boolean;
}

/**
 * "500ms", "30s", "10m", "24h", "30d", "5y" → milliseconds; undefined when `raw` is not a duration of
 * `grammar` (whole numbers of any unit, a bare number in milliseconds, unless told otherwise).
 */
export function parseDuration(
  raw: string,
  { bare = 'ms', units, fractions = false }: DurationGrammar = {},
): number | undefined {
  const match = DURATION.exec(raw.trim());
  if (!match) return undefined;
  const amount = match[1]!;
  const unit = (match[2] as DurationUnit | undefined) ?? bare;
  if (unit === null || (units && !units.includes(unit))) return undefined;
  if (!fractions && amount.includes('.')) return undefined;
  return Number(amount) * UNIT_MS[unit];
}
