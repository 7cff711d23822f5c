import { diag, DiagLogLevel, trace, type Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import type { Logger } from "pino";

/** A service's tracing: its tracer, and the exporter behind it to flush and close. */
export interface Tracing {
  readonly tracer: Tracer;
  /** Sends the spans ended so far. */
  flush(): Promise<void>;
  /** Sends what is left and stops exporting. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** `service.name` is `spear-<service>`. */
  readonly service: string;
  /** Where OTLP/HTTP spans go (`…/v1/traces`); default: what the OTEL_EXPORTER_OTLP_* variables say, as the exporter reads them. */
  readonly tracesUrl?: string;
  /** How long ended spans wait to be sent in a batch (default 5 s, OpenTelemetry's). */
  readonly scheduledDelayMs?: number;
  /** Also the process-wide provider, for code that asks the OpenTelemetry API for a tracer (the SDK's `invoke` span in the CLI). */
  readonly global?: boolean;
  /** Export failures are logged here (once per failing batch, at warn). */
  readonly log?: Logger;
}

/**
 * OpenTelemetry's Node tracing SDK for one Spear service: spans are batched and exported over
 * OTLP/HTTP (JSON); `OTEL_RESOURCE_ATTRIBUTES` adds resource attributes, the service name is
 * Spear's. The tracer is handed to the service explicitly, so services that share a process
 * (tests) each keep their own name.
 */
export function startTracing(o: TracingOptions): Tracing {
  if (o.log) {
    const log = o.log.child({ part: "tracing" });
    diag.setLogger(
      { error: (m) => log.warn(m), warn: (m) => log.warn(m), info: () => undefined, debug: () => undefined, verbose: () => undefined },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
  }
  const resource = detectResources({ detectors: [envDetector] }).merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: `spear-${o.service}` }));
  const exporter = new OTLPTraceExporter(o.tracesUrl ? { url: o.tracesUrl } : {});
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(exporter, o.scheduledDelayMs !== undefined ? { scheduledDelayMillis: o.scheduledDelayMs } : {})],
  });
  if (o.global) provider.register();
  return {
    tracer: provider.getTracer(`spear-${o.service}`),
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      await provider.shutdown();
      if (o.global) trace.disable();
    },
  };
}
