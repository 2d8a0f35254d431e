import type { Labels } from './types.js';

/** Thrown by {@link LineCursor} methods; the parser adds the line number. */
export class LineSyntaxError extends Error {}

const isNameStart = (code: number): boolean =>
  (code >= 0x61 && code <= 0x7a) ||
  (code >= 0x41 && code <= 0x5a) ||
  code === 0x5f ||
  code === 0x3a;

const isNameChar = (code: number): boolean => isNameStart(code) || (code >= 0x30 && code <= 0x39);

/**
 * A position in one exposition line with the token readers that the sample and metadata
 * grammars share. Every reader advances at most to the end of the line, so parsing a line is
 * linear in its length.
 */
export class LineCursor {
  pos = 0;

  constructor(readonly line: string) {}

  atEnd(): boolean {
    return this.pos >= this.line.length;
  }

  peek(): string {
    return this.line[this.pos] ?? '';
  }

  /** Skips spaces and tabs and returns how many were skipped. */
  skipSpaces(): number {
    const start = this.pos;
    while (this.pos < this.line.length) {
      const char = this.line[this.pos];
      if (char !== ' ' && char !== '\t') break;
      this.pos++;
    }
    return this.pos - start;
  }

  expect(char: string, description: string): void {
    if (this.line[this.pos] !== char) {
      const found = this.atEnd() ? 'end of line' : JSON.stringify(this.line[this.pos]);
      throw new LineSyntaxError(`expected ${description} but found ${found}`);
    }
    this.pos++;
  }

  /** Reads a classic metric or label name (`[a-zA-Z_:][a-zA-Z0-9_:]*`). */
  readName(description: string): string {
    const start = this.pos;

    if (!isNameStart(this.line.charCodeAt(this.pos))) {
      const found = this.atEnd() ? 'end of line' : JSON.stringify(this.line[this.pos]);
      throw new LineSyntaxError(`expected ${description} but found ${found}`);
    }
    while (this.pos < this.line.length && isNameChar(this.line.charCodeAt(this.pos))) this.pos++;
    return this.line.slice(start, this.pos);
  }

  /** Reads a name that may also be a quoted UTF-8 name (Prometheus 3.0 and later). */
  readNameOrQuoted(description: string): string {
    if (this.peek() === '"') {
      this.pos++;
      return this.readQuotedRest(description);
    }
    return this.readName(description);
  }

  /**
   * Reads the rest of a double-quoted string after its opening quote, decoding the escapes
   * `\\`, `\"` and `\n`. Any other escape is a syntax error, as in Prometheus's own parser.
   */
  readQuotedRest(description: string): string {
    let out = '';
    let chunkStart = this.pos;

    while (this.pos < this.line.length) {
      const char = this.line[this.pos];

      if (char === '"') {
        out += this.line.slice(chunkStart, this.pos);
        this.pos++;
        return out;
      }

      if (char === '\\') {
        out += this.line.slice(chunkStart, this.pos);
        const next = this.line[this.pos + 1];
        if (next === '\\') out += '\\';
        else if (next === '"') out += '"';
        else if (next === 'n') out += '\n';
        else {
          const escapeText = next === undefined ? 'end of line' : `"\\${next}"`;
          throw new LineSyntaxError(`invalid escape sequence ${escapeText} in ${description}`);
        }
        this.pos += 2;
        chunkStart = this.pos;
        continue;
      }
      this.pos++;
    }
    throw new LineSyntaxError(`unterminated ${description}`);
  }

  /** Reads characters up to the next space, tab or end of line. */
  readToken(): string {
    const start = this.pos;
    while (this.pos < this.line.length) {
      const char = this.line[this.pos];
      if (char === ' ' || char === '\t') break;
      this.pos++;
    }
    return this.line.slice(start, this.pos);
  }

  /**
   * Reads a label set after its opening `{` up to and including the closing `}`. A quoted
   * string without `=` is returned as `quotedName`: the metric name in the UTF-8 form
   * `{"my.metric", label="v"}`.
   */
  readLabelsRest(): { labels: Labels; quotedName?: string } {
    const labels: Labels = {};
    let quotedName: string | undefined;

    for (;;) {
      this.skipSpaces();
      if (this.peek() === '}') {
        this.pos++;
        break;
      }

      const quoted = this.peek() === '"';
      const name = this.readNameOrQuoted('label name');
      this.skipSpaces();

      if (quoted && (this.peek() === ',' || this.peek() === '}')) {
        if (quotedName !== undefined) {
          throw new LineSyntaxError(`second metric name "${name}" in label set`);
        }
        quotedName = name;
      } else {
        this.expect('=', `"=" after label name "${name}"`);
        this.skipSpaces();
        this.expect('"', `opening quote of the value of label "${name}"`);
        const value = this.readQuotedRest(`value of label "${name}"`);

        if (Object.hasOwn(labels, name)) {
          throw new LineSyntaxError(`duplicate label name "${name}"`);
        }
        // defineProperty keeps a label named "__proto__" an ordinary own property.
        Object.defineProperty(labels, name, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }

      this.skipSpaces();
      if (this.peek() === ',') {
        this.pos++;
        continue;
      }
      this.expect('}', '"," or "}" in label set');
      break;
    }
    return quotedName === undefined ? { labels } : { labels, quotedName };
  }
}
