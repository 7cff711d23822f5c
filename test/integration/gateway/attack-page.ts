/**
 * The page a hostile site serves: it tries, against each gateway URL it is given in `?gw=`
 * (comma-separated; a `token` too when it knows one), every way a browser lets a page POST
 * across origins: fetch without CORS (body-less, multipart, text), a fetch that needs a
 * preflight (JSON, a bearer token), XHR, and HTML forms (url-encoded and empty, multipart with
 * a file). It deactivates and deploys `victim`, and drains `gw-node-1`, if anything lets it.
 * `window.attackDone` holds what each attempt saw from the page's side.
 */
export const ATTACK_PAGE = `<!doctype html>
<html><body>
<script>
const params = new URLSearchParams(location.search);
const gateways = (params.get("gw") || location.origin).split(",");
const token = params.get("token");
const spec = JSON.stringify({ runtime: "process", command: ["false"] });
const wasm = () => new Blob([new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])], { type: "application/wasm" });
const seen = {};
let frames = 0;

async function attempt(name, run) {
  try {
    const r = await run();
    seen[name] = r && typeof r.status === "number" ? "answered " + r.status + " (" + r.type + ")" : "sent";
  } catch (e) {
    seen[name] = "failed: " + e.message;
  }
}

function submitForm(gw, name, action, enctype, fields, withFile) {
  return new Promise((resolve) => {
    const frame = document.createElement("iframe");
    frame.name = "frame-" + name + "-" + frames++;
    document.body.appendChild(frame);
    const form = document.createElement("form");
    form.method = "POST";
    form.action = gw + action;
    form.enctype = enctype;
    form.target = frame.name;
    for (const [k, v] of Object.entries(fields)) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = k;
      input.value = v;
      form.appendChild(input);
    }
    if (withFile) {
      const input = document.createElement("input");
      input.type = "file";
      input.name = "artifact";
      const files = new DataTransfer();
      files.items.add(new File([wasm()], "m.wasm", { type: "application/wasm" }));
      input.files = files.files;
      form.appendChild(input);
    }
    document.body.appendChild(form);
    const timer = setTimeout(() => resolve("no load"), 10000);
    frame.addEventListener("load", () => { clearTimeout(timer); resolve("loaded"); }, { once: true });
    form.submit();
  });
}

function xhr(method, url, body) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open(method, url);
    x.onload = () => resolve({ status: x.status, type: "xhr" });
    x.onerror = () => reject(new Error("xhr error"));
    x.send(body);
  });
}

async function attack(gw) {
  const auth = token ? { authorization: "Bearer " + token } : {};
  await attempt(gw + " fetch body-less deactivate", () => fetch(gw + "/v1/functions/victim:deactivate", { method: "POST", mode: "no-cors" }));
  await attempt(gw + " fetch multipart deploy", () => {
    const form = new FormData();
    form.append("spec", spec);
    form.append("artifact", wasm(), "m.wasm");
    return fetch(gw + "/v1/functions/victim:deploy", { method: "POST", mode: "no-cors", body: form });
  });
  await attempt(gw + " fetch text drain", () => fetch(gw + "/v1/nodes/gw-node-1:drain", { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body: "{}" }));
  await attempt(gw + " fetch JSON deploy (preflight)", () =>
    fetch(gw + "/v1/functions/victim:deploy", { method: "POST", headers: { "content-type": "application/json", ...auth }, body: JSON.stringify({ spec: JSON.parse(spec) }) }));
  await attempt(gw + " fetch JSON drain (preflight)", () =>
    fetch(gw + "/v1/nodes/gw-node-1:drain", { method: "POST", headers: { "content-type": "application/json", ...auth }, body: "{}" }));
  await attempt(gw + " xhr body-less drain", () => xhr("POST", gw + "/v1/nodes/gw-node-1:drain"));
  await attempt(gw + " xhr body-less deactivate", () => xhr("POST", gw + "/v1/functions/victim:deactivate"));
  await attempt(gw + " form empty deactivate", () => submitForm(gw, "empty", "/v1/functions/victim:deactivate", "application/x-www-form-urlencoded", {}, false));
  await attempt(gw + " form url-encoded drain", () => submitForm(gw, "drain", "/v1/nodes/gw-node-1:drain", "application/x-www-form-urlencoded", { reason: "x" }, false));
  await attempt(gw + " form multipart deploy", () => submitForm(gw, "deploy", "/v1/functions/victim:deploy", "multipart/form-data", { spec }, true));
  await attempt(gw + " form text deploy", () => submitForm(gw, "text", "/v1/functions/victim:deploy", "text/plain", { spec }, false));
}

(async () => {
  for (const gw of gateways) await attack(gw);
  window.attackDone = seen;
})();
</script>
</body></html>`;
