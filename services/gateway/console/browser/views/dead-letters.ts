import { consolePaths, type Answer } from "../client.js";
import { badge, clock, h, notice, replace, table } from "../dom.js";
import type { ConsoleView } from "../view.js";

/** A dead letter as the list route gives it; the fields the console shows, whichever it has. */
interface DeadLetterRow {
  seq: number;
  time?: string;
  subject?: string;
  code?: string;
  reason?: string | { code: string; message: string };
  function?: string;
  invocationId?: string;
  redriveId?: string;
}

const reasonOf = (d: DeadLetterRow) => (typeof d.reason === "object" ? d.reason.message : (d.reason ?? ""));
const codeOf = (d: DeadLetterRow) => d.code ?? (typeof d.reason === "object" ? d.reason.code : "");

export const deadLettersView: ConsoleView = {
  route: "dlq",
  title: "Dead letters",
  topics: ["deadLetters"],
  mount(main, model) {
    const note = h("div");
    const body = h("div");
    replace(main, h("h1", {}, "Dead letters"), note, body);
    let listed: Answer<{ items: DeadLetterRow[] }> | undefined;
    const outcome = new Map<number, string>();

    const redrive = async (seq: number) => {
      outcome.set(seq, "sending…");
      draw();
      const a = await model.client.post<{ redriveId?: string; invocationId?: string }>(consolePaths.redrive, { seq });
      outcome.set(seq, a.ok ? `redriven${a.data.redriveId ? ` as ${a.data.redriveId}` : ""}` : a.unavailable ? "not available on this gateway" : `refused: ${a.message} [${a.code}]`);
      await reload();
    };
    const draw = () => {
      const fromList = listed?.ok ? listed.data.items : [];
      const seen = new Set(fromList.map((d) => d.seq));
      const live: DeadLetterRow[] = model.liveDeadLetters.filter((d) => !seen.has(d.seq)).map((d) => ({ seq: d.seq, time: d.time, subject: d.subject, code: d.code, reason: d.reason }));
      replace(
        note,
        listed && !listed.ok
          ? notice(
              listed.unavailable
                ? "Not available: this gateway has no GET /v1/dlq yet; showing the dead letters that arrived since this page opened (redrive needs POST /v1/dlq:redrive)."
                : `Could not list dead letters: ${listed.message} [${listed.code}]`,
            )
          : null,
      );
      replace(
        body,
        table<DeadLetterRow>(
          [
            { title: "seq", num: true, cell: (d) => d.seq },
            { title: "stored", cell: (d) => clock(d.time) },
            { title: "subject", cell: (d) => h("span", { class: "mono" }, d.subject ?? "—") },
            { title: "function", cell: (d) => d.function ?? "—" },
            { title: "invocation", cell: (d) => (d.invocationId ? h("a", { href: `#invocation/${encodeURIComponent(d.invocationId)}`, class: "mono" }, d.invocationId) : "—") },
            { title: "reason", cell: (d) => h("span", {}, badge(codeOf(d), "bad"), " ", reasonOf(d)) },
            {
              title: "",
              cell: (d) => {
                if (d.redriveId) return h("span", { class: "muted" }, `redriven as ${d.redriveId}`);
                const done = outcome.get(d.seq);
                const b = h("button", { class: "primary", data: { redrive: String(d.seq) }, onClick: () => void redrive(d.seq) }, "Redrive");
                b.type = "button";
                b.disabled = done !== undefined;
                return h("span", {}, b, done ? h("span", { class: "muted" }, ` ${done}`) : null);
              },
            },
          ],
          [...live, ...fromList],
          (d) => String(d.seq),
          "The dead-letter stream is empty",
        ),
      );
    };
    const reload = async () => {
      listed = await model.client.get(consolePaths.deadLetters, { limit: 100 });
      draw();
    };
    void reload();
    return () => void reload();
  },
};
