import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { errorCatalog } from "../../domain/errors.js";
import { metricCatalog, type MetricCatalog, type MetricName, type MetricService } from "./catalog.js";

type LabelsOf<N extends MetricName> = MetricCatalog[N]["labels"][number];
/** The prom-client metric a catalog entry makes, typed by its labels. */
export type MetricOf<N extends MetricName> = MetricCatalog[N]["type"] extends "counter"
  ? Counter<LabelsOf<N>>
  : MetricCatalog[N]["type"] extends "gauge"
    ? Gauge<LabelsOf<N>>
    : Histogram<LabelsOf<N>>;

/** One reading of a collected metric: a value, or values by label set. */
export type MetricReading<L extends string = string> = number | readonly { readonly labels: Partial<Record<L, string>>; readonly value: number }[];
export type MetricSource<L extends string = string> = () => MetricReading<L> | Promise<MetricReading<L>>;

/** A source that has not answered within this is read as its last answer, so a scrape never hangs on NATS. */
const SOURCE_TIMEOUT_MS = 1_000;

/** The process's registry: every Spear process serves one on `/metrics`, whatever services run in it. */
const registry = new Registry();
const made = new Map<MetricName, unknown>();
/** Collected metrics: each source (a running part of the process) with its last reading. */
const sources = new Map<MetricName, Map<MetricSource, MetricReading>>();

/**
 * The catalog's metric `name`, made and registered on first use. Counting costs a map lookup
 * and the label set's key: cheap enough for every call on the hot path.
 */
export function metric<N extends MetricName>(name: N): MetricOf<N> {
  let m = made.get(name);
  if (!m) {
    m = make(name);
    made.set(name, m);
  }
  return m as MetricOf<N>;
}

function make(name: MetricName): unknown {
  const spec = metricCatalog[name];
  const base = { name, help: spec.help, labelNames: spec.labels as readonly string[], registers: [registry] };
  if (spec.type === "histogram") return new Histogram({ ...base, buckets: [...spec.buckets] });
  // A gauge or counter with sources is read from them at each scrape; without, it is set or counted directly.
  async function collect(this: Counter | Gauge): Promise<void> {
    const own = sources.get(name);
    if (!own || own.size === 0) return;
    await Promise.all([...own.keys()].map((s) => read(s, own)));
    this.reset();
    for (const reading of own.values()) {
      if (typeof reading === "number") this.inc(reading);
      else for (const { labels, value } of reading) this.inc(labels, value);
    }
  }
  return spec.type === "counter" ? new Counter({ ...base, collect }) : new Gauge({ ...base, collect });
}

async function read(source: MetricSource, own: Map<MetricSource, MetricReading>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), SOURCE_TIMEOUT_MS);
    });
    const reading = await Promise.race([Promise.resolve().then(source), timeout]);
    if (reading !== undefined && own.has(source)) own.set(source, reading);
  } catch {
    // The last reading stands.
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Makes gauge (or counter) `name` read `source` at every scrape, until the returned function is
 * called (when the part that feeds it stops). A counter's source gives a count that only grows
 * (a worker's events applied since it started). Readings of several sources in one process add
 * up, label set by label set (two spearlets in one test process show their slots together).
 */
export function readFrom<N extends MetricName>(name: N, source: MetricSource<LabelsOf<N>>): () => void {
  if (metricCatalog[name].type === "histogram") throw new Error(`${name} is a histogram: observe it`);
  metric(name);
  let own = sources.get(name);
  if (!own) sources.set(name, (own = new Map()));
  own.set(source as MetricSource, []);
  return () => void own.delete(source as MetricSource);
}

let served: MetricService | undefined;

/**
 * Makes this process serve the metrics of `service`: Node's process metrics, `spear_build_info`,
 * and every catalog metric of the service, so each shows from the start (one without labels at
 * zero) rather than at its first event. Once per process.
 */
export function serveMetricsOf(service: MetricService, version: string): void {
  if (served !== undefined) return;
  served = service;
  // The event loop's delay sampled every 100 ms: prom-client's default of 10 ms wakes every
  // process 100 times a second, about 3 ms of CPU a second more per idle process (measured).
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  metric("spear_build_info").set({ service, version }, 1);
  for (const [name, spec] of Object.entries(metricCatalog) as [MetricName, MetricCatalog[MetricName]][]) {
    if ((spec.services as readonly string[]).includes(service)) metric(name);
  }
}

/** What `/metrics` answers: the registry in Prometheus text format. */
export const metricsText = (): Promise<string> => registry.metrics();
export const metricsContentType = registry.contentType;

/** A label value from a set that must stay bounded: `value` when `known`, else `fallback`. */
export const bounded = (value: string | undefined, known: (v: string) => boolean, fallback: string): string =>
  value !== undefined && known(value) ? value : fallback;

/** An error code as a label: a code of the catalog, else `other` (a guest's or a client's own code is not bounded). */
export const codeLabel = (code: string | undefined): string => bounded(code, (c) => Object.hasOwn(errorCatalog, c), "other");
