import path from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

/**
 * Every setting Kobling reads, with the environment variable that sets it. Defaults make the whole
 * system run locally with no configuration at all. Only entry points call `loadConfig`.
 */
const envSchema = z.object({
  PORT: port.default(8080),
  KOBLING_HOST: z.string().min(1).default('127.0.0.1'),
  KOBLING_TRUST_PROXY: z
    .string()
    .regex(
      /^(off|loopback|[0-9a-fA-F.:/]+(,[0-9a-fA-F.:/]+)*)$/,
      'must be off, loopback, or a comma-separated list of proxy addresses or CIDR ranges',
    )
    .default('off'),
  KOBLING_CRM_PORT: port.default(8081),
  KOBLING_CRM_HOST: z.string().min(1).default('127.0.0.1'),
  KOBLING_CRM_CLIENT_ID: z.string().uuid().optional(),
  KOBLING_CRM_CLIENT_SECRET: z.string().min(16).optional(),
  KOBLING_CRM_FAULT_RATE: z.coerce.number().min(0).max(1).default(0),
  KOBLING_CRM_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  KOBLING_CRM_BASE_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO currency code such as EUR')
    .default('EUR'),
  KOBLING_CRM_LIMITS: z
    .string()
    .regex(
      /^(off|dataverse|((requests|concurrent|executionMs|windowSeconds)=\d+)(,(requests|concurrent|executionMs|windowSeconds)=\d+)*)$/,
      'must be off, dataverse, or e.g. requests=6000,concurrent=52,executionMs=1200000,windowSeconds=300',
    )
    .default('off'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  KOBLING_DATA_DIR: z.string().min(1).default('./.kobling'),
  KOBLING_PG_PORT: port.default(54329),
  KOBLING_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  KOBLING_SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  KOBLING_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
  KOBLING_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  KOBLING_WORKER_METRICS_PORT: port.optional(),
  KOBLING_DEMO_DATA: flag.default(true),
  KOBLING_CRM_EMULATOR: flag.default(true),
  KOBLING_DB_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10),
  KOBLING_REALTIME: flag.default(true),
  KOBLING_REALTIME_POLL_MS: z.coerce.number().int().min(200).max(600_000).default(2000),
});

export interface Config {
  readonly server: {
    readonly host: string;
    readonly port: number;
    /**
     * Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto headers are believed (addresses,
     * CIDR ranges or 'loopback'); undefined = none, the connection's own address and scheme count.
     */
    readonly trustProxy?: string;
  };
  readonly crmEmulator: {
    readonly enabled: boolean;
    readonly host: string;
    readonly port: number;
    readonly clientId?: string;
    readonly clientSecret?: string;
    /** ISO code of the emulated organization's base currency (set on its first start). */
    readonly baseCurrency: string;
    /** Share of API requests answered 429/503 (fault injection); 0 = off. */
    readonly faultRate: number;
    readonly latencyMs: number;
    /** Service protection limits; undefined = off. */
    readonly limits?: {
      readonly requestsPerWindow?: number;
      readonly maxConcurrent?: number;
      readonly executionMsPerWindow?: number;
      readonly windowSeconds?: number;
    };
  };
  readonly database: {
    /** Set when an external server is used; otherwise an embedded PostgreSQL is started. */
    readonly url?: string;
    readonly embeddedPort: number;
    readonly poolSize: number;
  };
  readonly dataDir: string;
  readonly adminPassword?: string;
  readonly secretKey?: string;
  readonly logLevel: string;
  readonly workerConcurrency: number;
  /**
   * Port of `kobling worker`'s own `/metrics` listener (on `server.host`); undefined = none, the
   * default: several workers on one machine would collide on any fixed port. 0 = any free port.
   */
  readonly workerMetricsPort?: number;
  readonly demoData: boolean;
  /** Near-real-time propagation in worker processes (per-mapping switches still apply). */
  readonly realtime: { readonly enabled: boolean; readonly pollMs: number };
}

/** `KOBLING_CRM_LIMITS`: off, Dataverse's defaults, or `name=value` pairs. */
function crmLimits(text: string): Config['crmEmulator']['limits'] {
  if (text === 'off') return undefined;
  if (text === 'dataverse') {
    return {
      requestsPerWindow: 6000,
      maxConcurrent: 52,
      executionMsPerWindow: 1_200_000,
      windowSeconds: 300,
    };
  }
  const v = Object.fromEntries(text.split(',').map((p) => p.split('=') as [string, string]));
  const n = (x: string | undefined) => (x === undefined ? undefined : Number(x));
  return {
    requestsPerWindow: n(v.requests),
    maxConcurrent: n(v.concurrent),
    executionMsPerWindow: n(v.executionMs),
    windowSeconds: n(v.windowSeconds),
  };
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/** Parses and checks the environment (plus flag overrides) once; returns every problem at once. */
export function loadConfig(
  env: Record<string, string | undefined>,
  overrides: Record<string, string | undefined> = {},
  cwd = '.',
): ConfigResult {
  const merged: Record<string, string> = {};
  for (const source of [env, overrides]) {
    for (const [k, v] of Object.entries(source)) {
      if (v !== undefined && v !== '' && k in envSchema.shape) merged[k] = v;
    }
  }
  const parsed = envSchema.safeParse(merged);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    };
  }
  const e = parsed.data;
  return {
    ok: true,
    config: {
      server: {
        host: e.KOBLING_HOST,
        port: e.PORT,
        ...(e.KOBLING_TRUST_PROXY === 'off' ? {} : { trustProxy: e.KOBLING_TRUST_PROXY }),
      },
      crmEmulator: {
        enabled: e.KOBLING_CRM_EMULATOR,
        host: e.KOBLING_CRM_HOST,
        port: e.KOBLING_CRM_PORT,
        clientId: e.KOBLING_CRM_CLIENT_ID,
        clientSecret: e.KOBLING_CRM_CLIENT_SECRET,
        baseCurrency: e.KOBLING_CRM_BASE_CURRENCY,
        faultRate: e.KOBLING_CRM_FAULT_RATE,
        latencyMs: e.KOBLING_CRM_LATENCY_MS,
        limits: crmLimits(e.KOBLING_CRM_LIMITS),
      },
      database: {
        url: e.DATABASE_URL,
        embeddedPort: e.KOBLING_PG_PORT,
        poolSize: e.KOBLING_DB_POOL_SIZE,
      },
      dataDir: path.resolve(cwd, e.KOBLING_DATA_DIR),
      adminPassword: e.KOBLING_ADMIN_PASSWORD,
      secretKey: e.KOBLING_SECRET_KEY,
      logLevel: e.KOBLING_LOG_LEVEL,
      workerConcurrency: e.KOBLING_WORKER_CONCURRENCY,
      ...(e.KOBLING_WORKER_METRICS_PORT !== undefined
        ? { workerMetricsPort: e.KOBLING_WORKER_METRICS_PORT }
        : {}),
      demoData: e.KOBLING_DEMO_DATA,
      realtime: { enabled: e.KOBLING_REALTIME, pollMs: e.KOBLING_REALTIME_POLL_MS },
    },
  };
}

/** The names of all environment variables Kobling understands (for `--help` and docs). */
export const configVariables = Object.keys(envSchema.shape);
