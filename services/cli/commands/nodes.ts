import { Command, Option } from "commander";
import type { NodeEntry } from "../../../domain/api/nodes.js";
import { api } from "../../../domain/api/registry.js";
import { NodeState } from "../../../domain/node/view.js";
import { allPages } from "../../api/all-pages.js";
import { smsRequest } from "../../api/client.js";
import { cliContext, withNats } from "../context.js";
import { printJson, printTable } from "../output.js";
import { ago, callSms, list } from "./sms-client.js";

const row = (n: NodeEntry) => [
  n.id,
  n.name,
  n.state,
  n.capacity.slots,
  n.usage?.usage.running,
  n.usage ? `${Math.round(n.usage.usage.cpuPercent)}%` : null,
  n.usage ? `${Math.round(n.usage.usage.memoryPercent)}%` : null,
  list(n.capabilities.runtimes),
  list(n.capabilities.languages),
  list(n.capabilities.services),
  list(n.pools),
  ago(n.lastHeardAt),
];
const head = ["node", "name", "state", "slots", "running", "cpu", "mem", "runtimes", "languages", "services", "pools", "heard"];

function show(json: boolean, n: NodeEntry): void {
  if (json) printJson(n);
  else printTable(head, [row(n)]);
}

export const nodesCommand = () => {
  const cmd = new Command("nodes").description("the cluster's execution nodes (spearlets)");
  cmd
    .command("ls")
    .description("list nodes with their state, latest usage and pools")
    .addOption(new Option("--state <states...>", "only nodes in these states").choices(NodeState.options))
    .option("--all", "include deregistered nodes")
    .action(async (o: { state?: NodeState[]; all?: boolean }, c: Command) => {
      const ctx = cliContext(c);
      const states = o.state ?? (o.all ? [...NodeState.options] : undefined);
      const nodes = await withNats(ctx, "spear-cli", (nats) => allPages(nats, api.nodes.list, states ? { states } : {}));
      if (ctx.json) return nodes.forEach(printJson);
      printTable(head, nodes.map(row));
    });
  cmd
    .command("get")
    .argument("<id>", "node id")
    .description("one node in full")
    .action(async (nodeId: string, _o, c: Command) => {
      const ctx = cliContext(c);
      const n = await withNats(ctx, "spear-cli", ({ nc }) => smsRequest(nc, api.nodes.get, { nodeId }));
      if (ctx.json) {
        printJson(n);
        return;
      }
      printTable(["field", "value"], [
        ["id", n.id],
        ["name", n.name],
        ["state", n.state],
        ["drain reason", n.drainReason],
        ["runtimes", list(n.capabilities.runtimes)],
        ["services", list(n.capabilities.services)],
        ["languages", list(n.capabilities.languages)],
        ["labels", list(Object.entries(n.capabilities.labels).map(([k, v]) => `${k}=${v}`))],
        ["slots", n.capacity.slots],
        ["cpu cores", n.capacity.cpuCores],
        ["memory (MB)", n.capacity.memoryMb],
        ["pools", list(n.pools)],
        ["registered", n.registeredAt],
        ["last heard", `${n.lastHeardAt} (${ago(n.lastHeardAt)})`],
        ["usage", n.usage ? `cpu ${n.usage.usage.cpuPercent}%, memory ${n.usage.usage.memoryMb} MB (${n.usage.usage.memoryPercent}%), load ${n.usage.usage.load1}, running ${n.usage.usage.running}` : null],
        ["instances", n.usage ? list(n.usage.instances.map((i) => `${i.function}@${i.version}: ${i.ready} ready, ${i.busy} busy`)) : null],
      ]);
    });
  cmd
    .command("drain")
    .argument("<id>", "node id")
    .option("--reason <text>", "why, for the log")
    .description("stop placing new work on a node; running work finishes")
    .action(async (nodeId: string, o: { reason?: string }, c: Command) => {
      const { ctx, result } = await callSms(c, api.nodes.drain, { nodeId, ...(o.reason ? { reason: o.reason } : {}) });
      show(ctx.json, result.node);
    });
  cmd
    .command("undrain")
    .argument("<id>", "node id")
    .description("let a drained node take new work again")
    .action(async (nodeId: string, _o, c: Command) => {
      const { ctx, result } = await callSms(c, api.nodes.undrain, { nodeId });
      show(ctx.json, result.node);
    });
  cmd
    .command("rm")
    .argument("<id>", "node id")
    .option("--reason <text>", "why, for the log")
    .description("deregister a node for good (it may register again later)")
    .action(async (nodeId: string, o: { reason?: string }, c: Command) => {
      const { ctx, result } = await callSms(c, api.nodes.deregister, { nodeId, ...(o.reason ? { reason: o.reason } : {}) });
      show(ctx.json, result.node);
    });
  return cmd;
};
