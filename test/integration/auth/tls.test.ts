import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import getPort from "get-port";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireBinary } from "../../../infra/local/binaries.js";
import { terminate } from "../../../infra/local/terminate.js";
import { connectNats } from "../../../streams/connection.js";
import { eventually } from "../../support/nats.js";

/** A nats-server that requires TLS and verifies client certificates, with certificates made here by openssl. */
const dir = mkdtempSync(join(tmpdir(), "spear-tls-"));
const file = (name: string) => join(dir, name);
let server: ChildProcess;
let exited: Promise<unknown>;
let url: string;

const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });

function certificate(name: string, ca: boolean): void {
  if (ca) {
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=spear-test-ca", "-keyout", file("ca.key"), "-out", file("ca.pem"));
    return;
  }
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${name}`, "-keyout", file(`${name}.key`), "-out", file(`${name}.csr`));
  writeFileSync(file(`${name}.ext`), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl("x509", "-req", "-in", file(`${name}.csr`), "-CA", file("ca.pem"), "-CAkey", file("ca.key"), "-CAcreateserial", "-days", "1", "-extfile", file(`${name}.ext`), "-out", file(`${name}.pem`));
}

beforeAll(async () => {
  certificate("ca", true);
  certificate("server", false);
  certificate("client", false);
  const port = await getPort({ host: "127.0.0.1" });
  writeFileSync(
    file("nats.conf"),
    `listen: 127.0.0.1:${port}\njetstream { store_dir: ${JSON.stringify(file("js"))} }\ntls { cert_file: ${JSON.stringify(file("server.pem"))}, key_file: ${JSON.stringify(file("server.key"))}, ca_file: ${JSON.stringify(file("ca.pem"))}, verify: true }\n`,
  );
  server = spawn(requireBinary("nats-server"), ["-c", file("nats.conf")], { stdio: "ignore" });
  exited = new Promise((resolve) => server.once("exit", resolve));
  url = `tls://127.0.0.1:${port}`;
  const tls = { caFile: file("ca.pem"), certFile: file("client.pem"), keyFile: file("client.key") };
  await eventually(async () => {
    const nats = await connectNats({ url, name: "probe", tls, timeoutMs: 1_000 });
    await nats.nc.close();
    return true;
  }, 20_000, 200);
}, 60_000);

afterAll(async () => {
  if (server) await terminate(server, exited, 5_000);
  rmSync(dir, { recursive: true, force: true });
});

describe("TLS to NATS with server and client certificates", () => {
  it("connects with the CA and a client certificate, and uses JetStream over it", async () => {
    const nats = await connectNats({ url, name: "spear-test-tls", tls: { caFile: file("ca.pem"), certFile: file("client.pem"), keyFile: file("client.key") } });
    try {
      expect((await nats.jsm.getAccountInfo()).limits).toBeDefined();
    } finally {
      await nats.nc.close();
    }
  });

  it("is refused without a client certificate", async () => {
    await expect(connectNats({ url, name: "spear-test-tls", tls: { caFile: file("ca.pem") }, timeoutMs: 2_000 })).rejects.toThrow(/nats_unreachable|cannot reach/);
  });
});
