import type { LogSeverityName } from '../settings/types.js';

/**
 * One metric view rule applied at export time. A rule selects instruments by name, where `*`
 * matches any run of characters, and either drops them or limits their attribute keys.
 * Data points whose attributes become equal after the keys are removed are merged.
 */
export interface MetricViewRule {
  /** Instrument name or pattern with `*` wildcards, such as `inference.*`. */
  instrument: string;
  /** Drops every data point of the matching instruments. Default false. */
  drop?: boolean;
  /** Attribute keys kept; every other key is removed. Default: all keys are kept. */
  attributeKeys?: readonly string[];
  /** Attribute keys removed, applied after `attributeKeys`. */
  excludeAttributeKeys?: readonly string[];
}

/**
 * Settings that can change while the application runs. Every field is optional, and a missing
 * field keeps its current value. `metricViews` replaces the whole rule list, and `null` for
 * `agentEndpoint` returns the exporters to the discovered node agent.
 */
export interface ReconfigurableSettings {
  /** Interval between metric exports, in milliseconds (1 000 to 86 400 000). */
  metricExportIntervalMillis?: number;
  /** Metric view rules, replacing the current list; an empty list keeps every instrument and key. */
  metricViews?: readonly MetricViewRule[];
  /**
   * Window length per pre-aggregated instrument name, in milliseconds (1 to 2 147 483 647).
   * Each named instrument finishes its current window at the next boundary of its current
   * interval and then closes windows at the new one. Instruments not named keep their window.
   */
  preAggregationIntervals?: Readonly<Record<string, number>>;
  /** Ratio of new root traces that are sampled, from 0 to 1. */
  tracesSamplerRatio?: number;
  /** Minimum severity of exported log records. */
  logMinSeverity?: LogSeverityName;
  /**
   * Agent endpoint for every signal: `host:port` means OTLP/gRPC without TLS (as
   * `TELEMETRY_ENDPOINT` spells it); an `http://` or `https://` URL means OTLP/HTTP with
   * `/v1/<signal>` appended. `null` returns to the discovered node agent.
   */
  agentEndpoint?: string | null;
}

/** Field names of {@link ReconfigurableSettings}. */
export type ReconfigurableField = keyof ReconfigurableSettings;

/** Origin of a change: a call in code or the watched settings file. */
export type ReconfigurationSource = 'code' | 'file';
