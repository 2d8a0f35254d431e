import { ExpositionParseError } from '../errors.js';
import { parseSampleValue } from '../sample-value.js';
import { LineCursor, LineSyntaxError } from './line-cursor.js';
import type {
  Exemplar,
  Exposition,
  ExpositionFormat,
  MetricFamily,
  MetricSample,
  MetricType,
} from './types.js';

/** Options for {@link parseExposition}. */
export interface ParseExpositionOptions {
  /**
   * Format of the text. Default: OpenMetrics when the last non-empty line is `# EOF`, else the
   * Prometheus text format. Pass the format from the response `Content-Type` when known.
   */
  format?: ExpositionFormat;
}

interface FamilyState {
  family: MetricFamily;
  typeDeclared: boolean;
}

const OPENMETRICS_TYPES = new Set<MetricType>([
  'counter',
  'gauge',
  'histogram',
  'gaugehistogram',
  'summary',
  'info',
  'stateset',
  'unknown',
]);

// Sample name suffixes that belong to a family of each type. The empty suffix covers the
// Prometheus text format, where counters carry `_total` in the family name itself.
const SUFFIXES: Record<MetricType, readonly string[]> = {
  counter: ['', '_total', '_created'],
  gauge: [''],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  gaugehistogram: ['_bucket', '_gsum', '_gcount'],
  summary: ['', '_sum', '_count', '_created'],
  info: ['_info', ''],
  stateset: [''],
  unknown: [''],
};

const SAMPLE_SUFFIXES = [
  '_bucket',
  '_sum',
  '_count',
  '_created',
  '_total',
  '_gsum',
  '_gcount',
  '_info',
];

const INTEGER = /^-?\d+$/;

/**
 * Parses Prometheus text format 0.0.4 or OpenMetrics 1.0 text into metric families. Samples are
 * grouped under the family declared by `# TYPE` (histogram `_bucket`/`_sum`/`_count`/
 * `_created`, summary quantiles, counter `_total`), exemplars are kept, and timestamps are
 * converted to milliseconds. Throws {@link ExpositionParseError} with the line number for
 * malformed text; parsing time is linear in the input length.
 */
export function parseExposition(text: string, options: ParseExpositionOptions = {}): Exposition {
  const format = options.format ?? detectFormat(text);
  const parser = new ExpositionParser(format);
  let lineNumber = 0;
  let start = 0;

  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNumber++;

    let line = text.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    start = end + 1;

    try {
      parser.parseLine(line);
    } catch (error) {
      if (error instanceof LineSyntaxError) {
        throw new ExpositionParseError(error.message, lineNumber);
      }
      throw error;
    }
  }

  if (format === 'openmetrics' && !parser.sawEof) {
    throw new ExpositionParseError('missing "# EOF" at the end of OpenMetrics text', lineNumber);
  }
  return { format, families: parser.families.map((state) => state.family) };
}

function detectFormat(text: string): ExpositionFormat {
  const trimmed = text.trimEnd();
  const lastLine = trimmed.slice(trimmed.lastIndexOf('\n') + 1).trim();
  return lastLine === '# EOF' ? 'openmetrics' : 'prometheus-text';
}

class ExpositionParser {
  readonly families: FamilyState[] = [];
  sawEof = false;
  private readonly byName = new Map<string, FamilyState>();
  private current: FamilyState | undefined;

  constructor(private readonly format: ExpositionFormat) {}

  parseLine(line: string): void {
    if (this.sawEof) {
      if (line.trim() === '') return;
      throw new LineSyntaxError('content after "# EOF"');
    }

    const cursor = new LineCursor(line);
    cursor.skipSpaces();
    if (cursor.atEnd()) return;

    if (cursor.peek() === '#') this.parseComment(cursor);
    else this.parseSample(cursor);
  }

  private parseComment(cursor: LineCursor): void {
    cursor.pos++;
    cursor.skipSpaces();
    const keyword = cursor.readToken();

    if (keyword === 'EOF' && this.format === 'openmetrics') {
      this.sawEof = true;
      return;
    }
    // Any other comment is free text in the Prometheus text format.
    if (keyword !== 'HELP' && keyword !== 'TYPE' && keyword !== 'UNIT') return;

    if (cursor.skipSpaces() === 0)
      throw new LineSyntaxError(`expected metric name after # ${keyword}`);
    const name = cursor.readNameOrQuoted('metric name');
    const hasText = cursor.skipSpaces() > 0;
    const rest = hasText ? cursor.line.slice(cursor.pos) : '';

    if (!hasText && !cursor.atEnd()) {
      throw new LineSyntaxError(`expected a space after metric name "${name}"`);
    }

    if (keyword === 'HELP') this.declareHelp(name, rest);
    else if (keyword === 'TYPE') this.declareType(name, rest.trim());
    else this.familyForMetadata(name).family.unit = rest.trim();
  }

  private declareHelp(name: string, text: string): void {
    const state = this.familyForMetadata(name);

    if (state.family.help !== undefined) {
      throw new LineSyntaxError(`second HELP line for metric name "${name}"`);
    }
    state.family.help = unescapeHelp(text, this.format);
  }

  private declareType(name: string, typeText: string): void {
    const type = typeText === 'untyped' ? 'unknown' : (typeText as MetricType);

    if (!OPENMETRICS_TYPES.has(type)) {
      throw new LineSyntaxError(`unknown metric type "${typeText}" for "${name}"`);
    }

    const state = this.familyForMetadata(name);
    if (state.typeDeclared) throw new LineSyntaxError(`second TYPE line for metric name "${name}"`);
    if (state.family.samples.length > 0) {
      throw new LineSyntaxError(`TYPE line for "${name}" after its samples`);
    }
    state.family.type = type;
    state.typeDeclared = true;
  }

  private familyForMetadata(name: string): FamilyState {
    let state = this.byName.get(name);

    if (state === undefined) {
      state = { family: { name, type: 'unknown', samples: [] }, typeDeclared: false };
      this.byName.set(name, state);
      this.families.push(state);
    }
    this.current = state;
    return state;
  }

  private parseSample(cursor: LineCursor): void {
    let name: string | undefined;
    let labels: MetricSample['labels'] = {};

    if (cursor.peek() !== '{') {
      name = cursor.readName('metric name');
      const next = cursor.peek();

      if (next !== '{' && next !== ' ' && next !== '\t' && next !== '') {
        throw new LineSyntaxError(`invalid character ${JSON.stringify(next)} in metric name`);
      }
    }
    if (cursor.peek() === '{') {
      cursor.pos++;
      const set = cursor.readLabelsRest();
      labels = set.labels;

      if (set.quotedName !== undefined) {
        if (name !== undefined) throw new LineSyntaxError(`second metric name "${set.quotedName}"`);
        name = set.quotedName;
      }
    }
    if (name === undefined) throw new LineSyntaxError('missing metric name');

    cursor.skipSpaces();
    const value = this.readValue(cursor, name);
    const sample: MetricSample = { name, labels, value };

    if (cursor.skipSpaces() > 0 && !cursor.atEnd() && cursor.peek() !== '#') {
      sample.timestampMillis = this.readTimestamp(cursor.readToken(), name);
      cursor.skipSpaces();
    }
    if (cursor.peek() === '#') sample.exemplar = this.readExemplar(cursor, name);
    if (!cursor.atEnd()) {
      throw new LineSyntaxError(`unexpected text after the sample "${name}"`);
    }

    this.familyForSample(name).family.samples.push(sample);
  }

  private readValue(cursor: LineCursor, name: string): number {
    const text = cursor.readToken();
    if (text === '') throw new LineSyntaxError(`missing value for "${name}"`);

    const value = parseSampleValue(text);
    if (value === undefined) throw new LineSyntaxError(`invalid value "${text}" for "${name}"`);
    return value;
  }

  private readTimestamp(text: string, name: string): number {
    if (this.format === 'prometheus-text') {
      if (!INTEGER.test(text)) {
        throw new LineSyntaxError(
          `invalid timestamp "${text}" for "${name}": expected milliseconds`,
        );
      }
      return Number(text);
    }

    const seconds = parseSampleValue(text);
    if (seconds === undefined || !Number.isFinite(seconds)) {
      throw new LineSyntaxError(`invalid timestamp "${text}" for "${name}": expected seconds`);
    }
    return Math.round(seconds * 1000);
  }

  private readExemplar(cursor: LineCursor, name: string): Exemplar {
    cursor.pos++;
    cursor.skipSpaces();
    cursor.expect('{', `"{" to open the exemplar labels of "${name}"`);
    const { labels } = cursor.readLabelsRest();
    cursor.skipSpaces();

    const valueText = cursor.readToken();
    const value = parseSampleValue(valueText);
    if (value === undefined) {
      throw new LineSyntaxError(`invalid exemplar value "${valueText}" for "${name}"`);
    }

    const exemplar: Exemplar = { labels, value };
    cursor.skipSpaces();
    if (!cursor.atEnd()) {
      const seconds = parseSampleValue(cursor.readToken());
      if (seconds === undefined || !Number.isFinite(seconds)) {
        throw new LineSyntaxError(`invalid exemplar timestamp for "${name}"`);
      }
      exemplar.timestampMillis = Math.round(seconds * 1000);
      cursor.skipSpaces();
    }
    return exemplar;
  }

  private familyForSample(name: string): FamilyState {
    const found = this.findFamilyOf(name);
    if (found !== undefined) {
      this.current = found;
      return found;
    }

    const state: FamilyState = {
      family: { name, type: 'unknown', samples: [] },
      typeDeclared: false,
    };
    this.families.push(state);
    if (!this.byName.has(name)) this.byName.set(name, state);
    this.current = state;
    return state;
  }

  // Prometheus requires a family's lines to be contiguous, so the current family is tried
  // first; the lookups by name tolerate exporters that interleave families.
  private findFamilyOf(name: string): FamilyState | undefined {
    if (this.current !== undefined && belongsTo(this.current.family, name)) return this.current;

    const exact = this.byName.get(name);
    if (exact !== undefined && belongsTo(exact.family, name)) return exact;

    for (const suffix of SAMPLE_SUFFIXES) {
      if (!name.endsWith(suffix)) continue;
      const state = this.byName.get(name.slice(0, -suffix.length));
      if (state !== undefined && belongsTo(state.family, name)) return state;
    }
    return undefined;
  }
}

function belongsTo(family: MetricFamily, sampleName: string): boolean {
  for (const suffix of SUFFIXES[family.type]) {
    if (
      sampleName.length === family.name.length + suffix.length &&
      sampleName === family.name + suffix
    ) {
      return true;
    }
  }
  return false;
}

// HELP escapes: `\\` and `\n` in both formats, plus `\"` in OpenMetrics. Other backslashes are
// kept as written, as Prometheus's text parser does.
function unescapeHelp(text: string, format: ExpositionFormat): string {
  if (!text.includes('\\')) return text;
  let out = '';

  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    const next = text[i + 1];

    if (char === '\\' && next === '\\') out += '\\';
    else if (char === '\\' && next === 'n') out += '\n';
    else if (char === '\\' && next === '"' && format === 'openmetrics') out += '"';
    else {
      out += char;
      continue;
    }
    i++;
  }
  return out;
}
