import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Maps every workspace package name to its TypeScript source, so tests run against the
 * current sources of all packages without a build in between.
 */
export function workspaceAliases(): { find: RegExp; replacement: string }[] {
  const packagesDir = resolve(import.meta.dirname, 'packages');
  const aliases: { find: RegExp; replacement: string }[] = [];

  for (const dir of readdirSync(packagesDir)) {
    const manifest = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8'));
    const name = manifest.name as string;
    const escaped = name.replace(/[/\\^$*+?.()|[\]{}-]/g, '\\$&');

    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      const source = (target as Record<string, unknown>)['mlsysops-source'];
      if (subpath === '.' || typeof source !== 'string') continue;
      aliases.push({
        find: new RegExp(`^${escaped}/${subpath.slice(2)}$`),
        replacement: join(packagesDir, dir, source),
      });
    }
    aliases.push({
      find: new RegExp(`^${escaped}$`),
      replacement: join(packagesDir, dir, 'src/index.ts'),
    });
  }
  return aliases;
}
