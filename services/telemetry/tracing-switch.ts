import type { Logger } from "pino";
import { z } from "zod";
import { parseConfig } from "../config.js";
import type { Tracing } from "./tracing.js";

/**
 * The environment that turns tracing on: an OTLP endpoint (OpenTelemetry's own variables), unless
 * `OTEL_SDK_DISABLED` says otherwise. Validated here so a typo stops the service with one line
 * rather than losing every span quietly.
 */
const TracingEnv = z.object({
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
  OTEL_SDK_DISABLED: z.string().optional(),
});

/** Whether the environment asks for traces. */
export function tracingWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const set = (v: string | undefined) => v || undefined;
  const e = parseConfig(
    TracingEnv,
    { OTEL_EXPORTER_OTLP_ENDPOINT: set(env.OTEL_EXPORTER_OTLP_ENDPOINT), OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), OTEL_SDK_DISABLED: set(env.OTEL_SDK_DISABLED) },
    "tracing settings",
  );
  const endpoint = e.OTEL_EXPORTER_OTLP_ENDPOINT ?? e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  return endpoint !== undefined && e.OTEL_SDK_DISABLED?.toLowerCase() !== "true";
}

/**
 * A service's tracing when the environment asks for it, else undefined: the tracing SDK is not
 * even loaded then, so a service without an endpoint pays nothing for it.
 */
export async function tracingFromEnv(service: string, log: Logger, o: { global?: boolean } = {}): Promise<Tracing | undefined> {
  if (!tracingWanted()) return undefined;
  const { startTracing } = await import("./tracing.js");
  log.info({ service: `spear-${service}` }, "exporting traces over OTLP");
  return startTracing({ service, log, ...(o.global ? { global: true } : {}) });
}
