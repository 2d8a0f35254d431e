import type { ServiceSettings } from './policy.js';

/** Current settings and load of the service, as GET /control returns them. */
export interface ControlState extends ServiceSettings {
  /** Requests waiting for a worker. */
  queueDepth: number;
  /** Workers processing a batch. */
  busyWorkers: number;
  /** Served model version. */
  modelVersion: string;
}

/** Client of the inference service's control endpoint. */
export interface ControlClient {
  /** Reads the current settings (GET /control). */
  read(): Promise<ControlState>;
  /** Applies new settings (POST /control) and returns the settings now in force. */
  apply(settings: ServiceSettings): Promise<ControlState>;
}

/**
 * Creates a client of `<serviceUrl>/control`. Each call times out after `timeoutMillis` and
 * rejects with an Error that names the URL and the HTTP status or network failure.
 */
export function createControlClient(serviceUrl: URL, timeoutMillis: number): ControlClient {
  const url = new URL(
    'control',
    serviceUrl.href.endsWith('/') ? serviceUrl : `${serviceUrl.href}/`,
  );

  const call = async (init: RequestInit): Promise<ControlState> => {
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMillis),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`${init.method ?? 'GET'} ${url.href} failed: ${reason}`);
    }

    const text = await response.text();
    if (!response.ok) {
      throw new Error(`${init.method ?? 'GET'} ${url.href} returned ${response.status}: ${text}`);
    }
    return JSON.parse(text) as ControlState;
  };

  return {
    read: () => call({ method: 'GET' }),
    apply: (settings) =>
      call({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ batchSize: settings.batchSize, workers: settings.workers }),
      }),
  };
}
