import { extname } from 'node:path';

/** Largest settings document accepted, in bytes; a ConfigMap contains at most 1 MiB in total. */
export const MAX_SETTINGS_DOCUMENT_BYTES = 1_048_576;

/** Format of a settings document. */
export type SettingsDocumentFormat = 'json' | 'yaml';

/**
 * Returns the format of a settings file: `.json` is JSON, `.yaml` and `.yml` are YAML, and any
 * other name is JSON when the text starts with `{` and YAML otherwise.
 */
export function settingsDocumentFormat(fileName: string, text: string): SettingsDocumentFormat {
  const extension = extname(fileName).toLowerCase();
  if (extension === '.json') return 'json';
  if (extension === '.yaml' || extension === '.yml') return 'yaml';
  return text.trimStart().startsWith('{') ? 'json' : 'yaml';
}

/**
 * Parses a settings document as JSON or YAML (1.2 core schema, unique keys, at most 100
 * aliases). An empty document parses to `{}`, which changes nothing. The `yaml` package is
 * imported only when a YAML document is parsed. Throws a `SyntaxError` that names the file.
 */
export async function parseSettingsDocument(fileName: string, text: string): Promise<unknown> {
  if (Buffer.byteLength(text, 'utf8') > MAX_SETTINGS_DOCUMENT_BYTES) {
    throw new SyntaxError(
      `Settings file ${fileName} is larger than ${MAX_SETTINGS_DOCUMENT_BYTES} bytes; shorten it.`,
    );
  }
  if (text.trim() === '') return {};

  const format = settingsDocumentFormat(fileName, text);
  try {
    if (format === 'json') return JSON.parse(text) as unknown;

    const yaml = await import('yaml');
    const value: unknown = yaml.parse(text, {
      schema: 'core',
      uniqueKeys: true,
      maxAliasCount: 100,
    });
    return value ?? {};
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new SyntaxError(
      `Settings file ${fileName} is not valid ${format.toUpperCase()}: ${reason}`,
    );
  }
}
