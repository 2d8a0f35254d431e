import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type Batcher, BatcherRejectedError } from './batcher.js';
import { toVector } from './dataset.js';
import { HttpError, readJsonBody, sendJson } from './http-utils.js';
import type { Model, Prediction } from './model.js';
import type { ServiceTelemetry } from './service-telemetry.js';
import { parseFeatures, parseSettings } from './validation.js';

/** Dependencies of {@link createInferenceServer}. */
export interface InferenceServerOptions {
  /** Trained classifier; only its version and accuracy are reported here. */
  model: Model;
  /** Batcher that runs the model on queued feature vectors. */
  batcher: Batcher<number[], Prediction>;
  /** Spans, metrics and logs of the service. */
  telemetry: ServiceTelemetry;
  /** Handler of GET /metrics (Prometheus text format); the route exists only when set. */
  metricsHandler?: (request: IncomingMessage, response: ServerResponse) => void;
}

/** Route label of requests to unknown paths, so they do not create one series per path. */
const UNKNOWN_ROUTE = 'unknown';

/**
 * Creates the HTTP server: POST /predict, GET and POST /control, GET /healthz and, when
 * enabled, GET /metrics. Every request runs in a server span and is measured.
 */
export function createInferenceServer(options: InferenceServerOptions): Server {
  const { model, batcher, telemetry } = options;

  const predict = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const features = parseFeatures(await readJsonBody(request));

    let prediction: Prediction;
    try {
      prediction = await batcher.submit(toVector(features));
    } catch (error) {
      if (error instanceof BatcherRejectedError) {
        throw new HttpError(503, error.message, error.reason);
      }
      throw error;
    }

    telemetry.recordPrediction(prediction.label);
    sendJson(response, 200, { ...prediction, modelVersion: model.version });
  };

  const control = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method === 'POST') {
      const requested = parseSettings(await readJsonBody(request));
      const before = batcher.settings();
      const after = batcher.configure(requested);
      telemetry.recordSettings(before, after);
    }

    sendJson(response, 200, {
      ...batcher.settings(),
      queueDepth: batcher.queueDepth(),
      busyWorkers: batcher.busyWorkers(),
      modelVersion: model.version,
    });
  };

  const routes: Record<string, Record<string, typeof predict>> = {
    '/predict': { POST: predict },
    '/control': { GET: control, POST: control },
    '/healthz': {
      GET: async (_request, response) =>
        sendJson(response, 200, { status: 'ok', modelVersion: model.version }),
    },
  };

  const metricsHandler = options.metricsHandler;
  if (metricsHandler !== undefined) {
    routes['/metrics'] = {
      GET: async (request, response) => {
        metricsHandler(request, response);
        await once(response, 'close');
      },
    };
  }

  return createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]!;
    const methods = routes[path];
    const route = methods ? path : UNKNOWN_ROUTE;
    const method = request.method ?? 'GET';

    void telemetry.handleRequest(route, method, async () => {
      try {
        const handler = methods?.[method];
        if (!methods) throw new HttpError(404, `no route for ${path}`, 'not_found');
        if (!handler) {
          throw new HttpError(405, `${method} is not allowed on ${path}`, 'method_not_allowed');
        }

        await handler(request, response);
        return { status: response.statusCode };
      } catch (error) {
        const httpError =
          error instanceof HttpError
            ? error
            : new HttpError(500, 'internal error', error instanceof Error ? error.name : 'unknown');

        if (!response.headersSent) {
          sendJson(response, httpError.status, { error: httpError.message });
        } else {
          response.destroy();
        }
        return { status: httpError.status, errorType: httpError.errorType, error };
      }
    });
  });
}
