import { Option, type Command } from "commander";
import { parseConfig } from "../../config.js";
import { GatewayConfig } from "../../gateway/config.js";
import { startGateway } from "../../gateway/server.js";
import { runService, serviceCommand } from "../service-runner.js";

interface GatewayFlags {
  port?: string;
  host?: string;
  tokens?: string;
  bodyLimit?: string;
  uploadLimit?: string;
}

export const gatewayCommand = () =>
  serviceCommand("gateway", "run the HTTP gateway: invoke functions and manage the cluster over HTTP, OpenAPI at /openapi.json, docs at /docs")
    .addOption(new Option("--port <port>", "port to listen on (default 8080 when free, else any free port; 0: any)").env("SPEAR_GATEWAY_PORT"))
    .addOption(new Option("--host <host>", "address to listen on (default 127.0.0.1)").env("SPEAR_GATEWAY_HOST"))
    .addOption(new Option("--tokens <a,b>", "bearer tokens accepted on /v1, comma-separated (none: no authentication)").env("SPEAR_GATEWAY_TOKENS"))
    .addOption(new Option("--body-limit <size>", "largest JSON body (default 1MiB)").env("SPEAR_GATEWAY_BODY_LIMIT"))
    .addOption(new Option("--upload-limit <size>", "largest artifact in a deploy upload (default 64MiB)").env("SPEAR_GATEWAY_UPLOAD_LIMIT"))
    .action(async (f: GatewayFlags, cmd: Command) => {
      const config = parseConfig(GatewayConfig, Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)), "gateway settings");
      await runService(cmd, "gateway", async (nats, { cli, log }) => {
        const gateway = await startGateway({ nats, config, log, streams: cli.streams });
        if (cli.json) process.stdout.write(`${JSON.stringify({ url: gateway.url, docs: `${gateway.url}/docs`, openapi: `${gateway.url}/openapi.json` })}\n`);
        else process.stdout.write(`Spear gateway on ${gateway.url} (docs ${gateway.url}/docs, OpenAPI ${gateway.url}/openapi.json)\n`);
        return { stop: () => gateway.close() };
      });
    });
