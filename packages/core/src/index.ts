export {
  type ComponentLogger,
  type ComponentLoggerOptions,
  createComponentLogger,
  DEFAULT_WARNING_INTERVAL_MILLIS,
} from './diagnostics/component-logger.js';
