/** Version string that `mlsysops-otelcol --version` prints. */
export declare const COLLECTOR_VERSION: string;

/** File name of the Collector binary inside its cache folder. */
export declare const COLLECTOR_BINARY_NAME: string;

/** Folder with main.go, components.go, go.mod and go.sum. */
export declare const COLLECTOR_SOURCE_DIR: string;

/** Where the cache lives and which sources to key on. */
export interface CollectorCacheOptions {
  /** Collector source folder; default {@link COLLECTOR_SOURCE_DIR}. */
  sourceDir?: string;
  /** Cache root; default {@link cacheRoot}(). */
  cacheDir?: string;
  /** Precomputed cache key; default {@link computeCacheKey}(sourceDir). */
  key?: string;
}

/** Options of {@link ensureCollector}. */
export interface EnsureCollectorOptions extends CollectorCacheOptions {
  /** Receives one progress line per build step; default writes to stderr. */
  log?: (line: string) => void;
}

/** Outcome of {@link ensureCollector}. */
export interface EnsureCollectorResult {
  /** Absolute path of the cached binary. */
  path: string;
  /** SHA-256 (hex) of go.mod, go.sum and the *.go files. */
  key: string;
  /** True when this call ran `go build`, false when it reused the cache. */
  built: boolean;
  /** Time the call took, in milliseconds. */
  elapsedMillis: number;
}

/** Returns $MLSYSOPS_CACHE, else $XDG_CACHE_HOME or ~/.cache plus /mlsysops-telemetry. */
export declare function cacheRoot(env?: NodeJS.ProcessEnv): string;

/** Lists go.mod, go.sum and the *.go files that make up the cache key. */
export declare function collectorSourceFiles(sourceDir?: string): string[];

/** Computes the SHA-256 cache key over the names and contents of the source files. */
export declare function computeCacheKey(sourceDir?: string): string;

/** Returns the cached binary path for the current sources, whether it exists or not. */
export declare function collectorBinaryPath(options?: CollectorCacheOptions): string;

/** Returns true when the binary for the current sources is already in the cache. */
export declare function isCollectorCached(options?: CollectorCacheOptions): boolean;

/** Returns `go version` output, or throws an error that says how to install Go. */
export declare function findGo(sourceDir?: string): string;

/**
 * Builds the Collector when the cache has no binary for the current sources. Concurrent
 * callers share one build through a lock folder with the owner's pid.
 */
export declare function ensureCollector(
  options?: EnsureCollectorOptions,
): Promise<EnsureCollectorResult>;
