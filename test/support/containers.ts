import getPort from "get-port";
import { existsSync } from "node:fs";
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { requireBinary, type ServerBinary } from "../../infra/local/binaries.js";
import type { TestServer } from "./servers.js";

/**
 * Used only where no local binary exists but a Docker engine does. The host port is fixed at
 * start so that a restarted container keeps its URL.
 */
async function startContainer(image: string, port: number, cmd: string[], binary: ServerBinary, scheme: string): Promise<TestServer> {
  if (!existsSync("/var/run/docker.sock") && !process.env.DOCKER_HOST) requireBinary(binary);
  const hostPort = await getPort({ host: "127.0.0.1" });
  const container: StartedTestContainer = await new GenericContainer(image)
    .withCommand(cmd)
    .withExposedPorts({ container: port, host: hostPort })
    .withWaitStrategy(Wait.forListeningPorts())
    .start();
  return {
    url: `${scheme}://127.0.0.1:${hostPort}`,
    kill: async () => {
      await container.exec(["kill", "-9", "1"]).catch(() => undefined);
    },
    restart: () => container.restart(),
    stop: async () => {
      await container.stop();
    },
  };
}

export const startNatsContainer = () =>
  startContainer(process.env.SPEAR_TEST_NATS_IMAGE ?? "nats:2.10-alpine", 4222, ["-js", "-sd", "/data"], "nats-server", "nats");

export const startRedisContainer = () =>
  startContainer(process.env.SPEAR_TEST_REDIS_IMAGE ?? "redis:7-alpine", 6379, ["redis-server", "--save", "", "--appendonly", "no"], "redis-server", "redis");
