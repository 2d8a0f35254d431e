import { readFile } from 'node:fs/promises';
import type { ExportTarget } from './export-target.js';

/** PEM contents for a TLS connection, read from the files an {@link ExportTarget} names. */
export interface TlsMaterial {
  /** CA certificate(s) that verify the server. */
  ca?: Buffer;
  /** Client private key. */
  key?: Buffer;
  /** Client certificate chain. */
  cert?: Buffer;
}

/**
 * Reads and caches the PEM files of targets. The cache key is the three paths, so a target
 * that names other files is read anew, and a failed read is retried on the next request
 * because a mounted secret may appear later.
 */
export class TlsMaterialCache {
  private cachedKey: string | undefined;
  private cached: Promise<TlsMaterial> | undefined;

  /** Returns the TLS material of `target`, or undefined when it names no file. */
  load(target: ExportTarget): Promise<TlsMaterial> | undefined {
    const { certificateFile, clientKeyFile, clientCertificateFile } = target;
    if (!certificateFile && !clientKeyFile && !clientCertificateFile) return undefined;

    const key = `${certificateFile ?? ''}\n${clientKeyFile ?? ''}\n${clientCertificateFile ?? ''}`;
    if (key === this.cachedKey && this.cached !== undefined) return this.cached;

    const pending = readMaterial(certificateFile, clientKeyFile, clientCertificateFile);
    this.cachedKey = key;
    this.cached = pending;
    pending.catch(() => {
      if (this.cached === pending) {
        this.cached = undefined;
        this.cachedKey = undefined;
      }
    });
    return pending;
  }
}

async function readMaterial(
  certificateFile: string | undefined,
  clientKeyFile: string | undefined,
  clientCertificateFile: string | undefined,
): Promise<TlsMaterial> {
  const [ca, key, cert] = await Promise.all([
    certificateFile ? readFile(certificateFile) : undefined,
    clientKeyFile ? readFile(clientKeyFile) : undefined,
    clientCertificateFile ? readFile(clientCertificateFile) : undefined,
  ]);
  const material: TlsMaterial = {};
  if (ca !== undefined) material.ca = ca;
  if (key !== undefined) material.key = key;
  if (cert !== undefined) material.cert = cert;
  return material;
}
