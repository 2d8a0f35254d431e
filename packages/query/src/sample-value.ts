// Decimal float as Go's strconv.ParseFloat accepts it (hexadecimal floats aside). The pattern
// has no nested quantifiers, so matching time is linear in the input length.
const DECIMAL_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses a Prometheus sample value such as `"1.5"`, `"NaN"`, `"+Inf"` or `"-Inf"` (case
 * insensitive, `Infinity` also accepted). Returns `undefined` for anything else, so callers
 * decide how to report the bad value.
 */
export function parseSampleValue(text: string): number | undefined {
  switch (text.toLowerCase()) {
    case 'nan':
      return Number.NaN;
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Number.POSITIVE_INFINITY;
    case '-inf':
    case '-infinity':
      return Number.NEGATIVE_INFINITY;
  }

  if (!DECIMAL_FLOAT.test(text)) return undefined;
  return Number(text);
}

/** Formats a sample value the way Prometheus writes it: `NaN`, `+Inf`, `-Inf` or a number. */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}
