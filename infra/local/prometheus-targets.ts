import { renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DevState } from "../../services/config.js";

/** Where `spear dev` lists its processes' metrics for a Prometheus server (file-based discovery; infra/monitoring/prometheus.yml reads it). */
export const prometheusTargetsFile = (dataDir: string) => join(dataDir, "prometheus-targets.json");

/** The processes with a monitor port, one target group each, labelled with the service it runs and the process's own name. */
export function prometheusTargets(state: Pick<DevState, "processes">): { targets: string[]; labels: Record<string, string> }[] {
  return Object.entries(state.processes ?? {}).flatMap(([name, p]) =>
    p.monitorUrl ? [{ targets: [new URL(p.monitorUrl).host], labels: { service: name.startsWith("spearlet-") ? "spearlet" : name, process: name } }] : [],
  );
}

/** Writes the targets file whole, by rename (Prometheus re-reads it when it changes). */
export function writePrometheusTargets(dataDir: string, state: Pick<DevState, "processes">): void {
  const file = prometheusTargetsFile(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(prometheusTargets(state), null, 2)}\n`);
  renameSync(tmp, file);
}

export const removePrometheusTargets = (dataDir: string) => rmSync(prometheusTargetsFile(dataDir), { force: true });
