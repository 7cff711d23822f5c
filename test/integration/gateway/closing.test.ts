import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { useGatewayCluster } from "./harness.js";

const g = useGatewayCluster({ closing: {} });

describe("gateway: shutting down", () => {
  it("answers a request that arrives while it closes with 503 service_unavailable in the documented shape", async () => {
    // No node offers the service: the first call waits, keeping the connection (and the gateway) busy.
    await g.cluster.deploy("gw-closing-queued", { requirements: { services: ["gpu"], labels: {} } });
    const body = '{"input":1,"waitMs":1500}';
    const socket = connect(Number(new URL(g.url("closing")).port), "127.0.0.1");
    let received = "";
    socket.on("data", (d: Buffer) => (received += d.toString()));
    const closed = new Promise((resolve) => socket.on("close", resolve));
    socket.write(`POST /v1/functions/gw-closing-queued:invoke HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopping = g.gateway("closing").close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.write("GET /v1/nodes HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n");
    await closed;
    await stopping;

    const answers = received.split(/(?=HTTP\/1\.1 )/);
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatch(/^HTTP\/1\.1 504 /);
    expect(answers[1]).toMatch(/^HTTP\/1\.1 503 /);
    expect(JSON.parse(answers[1]!.slice(answers[1]!.indexOf("\r\n\r\n") + 4))).toEqual({ code: "service_unavailable", message: expect.stringContaining("shutting down") });
  });
});
