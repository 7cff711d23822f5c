import { InvocationFailedError, SpearClient } from "../../../services/sdk/index.js";

/** Connect, invoke, submit and follow an invocation, meet a failure, close. */
export async function quickStart(url: string) {
  const spear = await SpearClient.connect({ url });
  try {
    // Invoke and wait for the output (60 s at most unless waitMs says otherwise).
    const output = await spear.invoke("echo", { hello: "world" }, { waitMs: 10_000 });

    // Submit now, follow its events, read its result by id.
    const id = await spear.submit("echo", { n: 1 });
    const steps: string[] = [];
    for await (const event of spear.watch(id, { waitMs: 10_000 })) steps.push(event.type ?? "?");
    const result = await spear.result(id);

    // Any status but "succeeded" throws, with the server's code and the whole result.
    let code: string | undefined;
    try {
      await spear.invoke("no-such-function", null);
    } catch (e) {
      if (!(e instanceof InvocationFailedError)) throw e;
      code = e.code; // "function_not_found"; e.result.status is "rejected"
    }
    return { output, steps, status: result?.status, code };
  } finally {
    await spear.close();
  }
}
