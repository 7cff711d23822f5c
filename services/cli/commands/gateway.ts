import { Option, type Command } from "commander";
import { parseConfig } from "../../config.js";
import { GatewayConfig } from "../../gateway/config.js";
import { startGateway } from "../../gateway/server.js";
import { runService, serviceCommand } from "../service-runner.js";

interface GatewayFlags {
  port?: string;
  host?: string;
  tokens?: string;
  tokensFile?: string;
  allowedHosts?: string;
  corsOrigins?: string;
  bodyLimit?: string;
  uploadLimit?: string;
  requestTimeout?: string;
  headersTimeout?: string;
  connectionTimeout?: string;
  rateLimit?: string;
  rateWindow?: string;
  maxSyncWaits?: string;
  maxStreams?: string;
}

export const gatewayCommand = () =>
  serviceCommand("gateway", "run the HTTP gateway: invoke functions and manage the cluster over HTTP, OpenAPI at /openapi.json, docs at /docs")
    .addOption(new Option("--port <port>", "port to listen on (default 8080 when free, else any free port; 0: any)").env("SPEAR_GATEWAY_PORT"))
    .addOption(new Option("--host <host>", "address to listen on (default 127.0.0.1)").env("SPEAR_GATEWAY_HOST"))
    .addOption(new Option("--tokens <a,b>", "bearer tokens with every scope, comma-separated (none, and no --tokens-file: no authentication)").env("SPEAR_GATEWAY_TOKENS"))
    .addOption(new Option("--tokens-file <file>", "YAML or JSON file of tokens with their scopes and rate limits (see docs/operations.md)").env("SPEAR_GATEWAY_TOKENS_FILE"))
    .addOption(new Option("--allowed-hosts <a,b>", "names accepted in Host besides the loopback names and the bound address (*: any)").env("SPEAR_GATEWAY_ALLOWED_HOSTS"))
    .addOption(new Option("--cors-origins <a,b>", "browser origins allowed to call the gateway besides its own, e.g. https://app.example.com (default none)").env("SPEAR_GATEWAY_CORS_ORIGINS"))
    .addOption(new Option("--body-limit <size>", "largest JSON body (default 1MiB)").env("SPEAR_GATEWAY_BODY_LIMIT"))
    .addOption(new Option("--upload-limit <size>", "largest artifact in a deploy upload (default 64MiB)").env("SPEAR_GATEWAY_UPLOAD_LIMIT"))
    .addOption(new Option("--request-timeout <duration>", "time for a whole request, body included, to arrive (default 5m)").env("SPEAR_GATEWAY_REQUEST_TIMEOUT"))
    .addOption(new Option("--headers-timeout <duration>", "time for a request's headers to arrive (default 10s)").env("SPEAR_GATEWAY_HEADERS_TIMEOUT"))
    .addOption(new Option("--connection-timeout <duration>", "idle time after which a connection is closed (default 30s)").env("SPEAR_GATEWAY_CONNECTION_TIMEOUT"))
    .addOption(new Option("--rate-limit <n>", "requests per token (per address without tokens) and --rate-window on /v1; 0: none (default 6000)").env("SPEAR_GATEWAY_RATE_LIMIT"))
    .addOption(new Option("--rate-window <duration>", "the window of --rate-limit (default 1m)").env("SPEAR_GATEWAY_RATE_WINDOW"))
    .addOption(new Option("--max-sync-waits <n>", "synchronous invokes waiting at once, at most (default 1000)").env("SPEAR_GATEWAY_MAX_SYNC_WAITS"))
    .addOption(new Option("--max-streams <n>", "server-sent event streams (watches and the console's live feed) open at once, at most (default 100)").env("SPEAR_GATEWAY_MAX_STREAMS"))
    .action(async (f: GatewayFlags, cmd: Command) => {
      const config = parseConfig(GatewayConfig, Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)), "gateway settings");
      await runService(cmd, "gateway", async (nats, { cli, log, tracing }) => {
        const gateway = await startGateway({ nats, config, log, streams: cli.streams, tracer: tracing?.tracer });
        if (cli.json) process.stdout.write(`${JSON.stringify({ url: gateway.url, docs: `${gateway.url}/docs`, openapi: `${gateway.url}/openapi.json` })}\n`);
        else process.stdout.write(`Spear gateway on ${gateway.url} (docs ${gateway.url}/docs, OpenAPI ${gateway.url}/openapi.json)\n`);
        return { stop: () => gateway.close() };
      });
    });
