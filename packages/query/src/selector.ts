/** PromQL label matching operators. */
export type MatchOperator = '=' | '!=' | '=~' | '!~';

/** One label matcher: an operator and the raw (unescaped) value or regular expression. */
export interface LabelMatcher {
  /** Matching operator. */
  op: MatchOperator;
  /** Label value for `=`/`!=`, or an RE2 regular expression for `=~`/`!~`. */
  value: string;
}

/** Label matchers by label name. A plain string means an equality matcher. */
export type LabelMatchers = Readonly<Record<string, string | LabelMatcher>>;

/** Options for {@link selector}. */
export interface SelectorOptions {
  /**
   * Accepts metric and label names outside the classic character set (for example
   * `http.server.duration`) and writes them in the quoted form of Prometheus 3.0 and later.
   * Default `false`: such names throw, because Prometheus 2.x rejects the quoted form.
   */
  allowUtf8Names?: boolean;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// RE2 metacharacters; a backslash before any of them makes it literal.
const REGEX_META = /[\\.+*?()|[\]{}^$]/g;

/**
 * Escapes `value` for a double-quoted PromQL string: backslash, double quote, newline,
 * carriage return, tab and other control characters. The result cannot end the string early,
 * so a label value from outside cannot change the query.
 */
export function escapeLabelValue(value: string): string {
  let out = '';

  for (const char of value) {
    const code = char.codePointAt(0)!;

    if (char === '\\') out += '\\\\';
    else if (char === '"') out += '\\"';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += char;
  }
  return out;
}

/** Escapes RE2 metacharacters in `value`, so a `=~` matcher matches it literally. */
export function escapeRegex(value: string): string {
  return value.replace(REGEX_META, '\\$&');
}

/** Creates an equality matcher (`label="value"`). */
export function equal(value: string): LabelMatcher {
  return { op: '=', value };
}

/** Creates an inequality matcher (`label!="value"`). */
export function notEqual(value: string): LabelMatcher {
  return { op: '!=', value };
}

/**
 * Creates a regular expression matcher (`label=~"regex"`). The expression is used as given;
 * build it from outside values with {@link escapeRegex} or use {@link oneOf}.
 */
export function matchRegex(regex: string): LabelMatcher {
  return { op: '=~', value: regex };
}

/** Creates a negated regular expression matcher (`label!~"regex"`). */
export function notMatchRegex(regex: string): LabelMatcher {
  return { op: '!~', value: regex };
}

/**
 * Creates a matcher for any of `values` taken literally (`label=~"a|b\\.c"`). An empty list
 * matches only series without the label (the empty regex), as PromQL defines it.
 */
export function oneOf(values: readonly string[]): LabelMatcher {
  return { op: '=~', value: values.map(escapeRegex).join('|') };
}

/**
 * Builds a PromQL series selector such as `up{job="api",instance!="a:1"}` from a metric name
 * and label matchers, escaping every value. Throws `TypeError` for an invalid metric or label
 * name or operator, naming it; pass an empty metric name for a selector of labels only.
 */
export function selector(
  metric: string,
  labels: LabelMatchers = {},
  options: SelectorOptions = {},
): string {
  const utf8 = options.allowUtf8Names === true;
  const parts: string[] = [];
  let prefix = '';

  if (metric !== '') {
    if (METRIC_NAME.test(metric)) prefix = metric;
    else if (utf8) parts.push(`"${escapeLabelValue(metric)}"`);
    else throw new TypeError(invalidNameMessage('metric name', metric, 'classic'));
  }

  for (const [name, matcher] of Object.entries(labels)) {
    parts.push(formatMatcher(name, matcher, utf8));
  }

  if (prefix !== '' && parts.length === 0) return prefix;
  return `${prefix}{${parts.join(',')}}`;
}

function formatMatcher(name: string, matcher: string | LabelMatcher, utf8: boolean): string {
  let label: string;

  if (LABEL_NAME.test(name)) label = name;
  else if (utf8 && name !== '') label = `"${escapeLabelValue(name)}"`;
  else throw new TypeError(invalidNameMessage('label name', name, 'label'));

  const { op, value } = typeof matcher === 'string' ? { op: '=', value: matcher } : matcher;

  if (op !== '=' && op !== '!=' && op !== '=~' && op !== '!~') {
    throw new TypeError(
      `Invalid matcher operator ${JSON.stringify(op)} for label "${name}": expected =, !=, =~ or !~.`,
    );
  }
  if (typeof value !== 'string') {
    throw new TypeError(`Invalid matcher value for label "${name}": expected a string.`);
  }
  return `${label}${op}"${escapeLabelValue(value)}"`;
}

function invalidNameMessage(kind: string, name: string, rule: 'classic' | 'label'): string {
  const pattern = rule === 'classic' ? '[a-zA-Z_:][a-zA-Z0-9_:]*' : '[a-zA-Z_][a-zA-Z0-9_]*';
  return (
    `Invalid ${kind} ${JSON.stringify(name)}: expected ${pattern}, ` +
    'or set allowUtf8Names for Prometheus 3.0 and later.'
  );
}
