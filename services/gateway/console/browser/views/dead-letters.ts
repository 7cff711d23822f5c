import type { Answer } from "../client.js";
import { badge, clock, h, notice, replace, table } from "../dom.js";
import type { LiveNews } from "../live.js";
import { explain, refusal, type ConsoleView } from "../view.js";
import type { DlqEntry, DlqSummary, ListPage } from "../wire.js";

/** A row: an entry of the list, or one the live stream brought (it has no invocation details). */
type Row = Pick<DlqSummary, "seq" | "time" | "subject" | "code" | "reason"> & Partial<DlqSummary>;

const fromLive = (d: Extract<LiveNews, { kind: "deadLetter" }>): Row => ({ seq: d.seq, time: d.time, subject: d.subject, code: d.code, reason: d.reason });

export const deadLettersView: ConsoleView = {
  route: "dlq",
  title: "Dead letters",
  topics: ["deadLetters"],
  mount(main, model) {
    const note = h("div");
    const body = h("div");
    const detail = h("div");
    replace(main, h("h1", {}, "Dead letters"), note, body, detail);
    let listed: Answer<ListPage<DlqSummary>> | undefined;
    // What the last Redrive click of each entry came to, until the list shows it.
    const outcome = new Map<number, string>();

    const redrive = async (seq: number) => {
      outcome.set(seq, "sending…");
      draw();
      const a = await model.client.redrive(seq);
      const sent = a.ok ? a.data.items[0] : undefined;
      outcome.set(
        seq,
        !a.ok ? explain(a, "the redrive") : sent ? `${sent.redriven ? "redriven" : "already redriven"} as ${sent.redriveId}` : `skipped: ${a.data.skipped[0]?.message ?? "not redrivable"}`,
      );
      await reload();
    };
    const show = async (seq: number) => {
      const a: Answer<DlqEntry> = await model.client.deadLetter(seq);
      replace(
        detail,
        h("h2", {}, `Dead letter #${seq}`),
        a.ok ? h("pre", { data: { entry: String(seq) } }, JSON.stringify({ headers: a.data.headers, data: a.data.data }, null, 2)) : refusal(a, "a dead letter"),
      );
    };
    const action = (d: Row) => {
      if (d.redrive) return h("span", { class: "muted" }, "redriven as ", h("a", { href: `#invocation/${encodeURIComponent(d.redrive.redriveId)}`, class: "mono" }, d.redrive.redriveId));
      // Only an invocation's dead letter is sent back; a projection's or an assignment's is read only.
      if (d.source !== "invocation") return null;
      const done = outcome.get(d.seq);
      const b = h("button", { class: "primary", data: { redrive: String(d.seq) }, onClick: () => void redrive(d.seq) }, "Redrive");
      b.type = "button";
      b.disabled = done !== undefined;
      return h("span", {}, b, done ? h("span", { class: "muted", data: { outcome: String(d.seq) } }, ` ${done}`) : null);
    };
    const draw = () => {
      const fromList: Row[] = listed?.ok ? listed.data.items : [];
      const seen = new Set(fromList.map((d) => d.seq));
      const live = model.liveDeadLetters.filter((d) => !seen.has(d.seq)).map(fromLive);
      replace(note, listed && !listed.ok ? refusal(listed, "the dead-letter list") : null, listed && !listed.ok ? notice("Showing the dead letters that arrived since this page opened.") : null);
      replace(
        body,
        table<Row>(
          [
            { title: "seq", num: true, cell: (d) => d.seq },
            { title: "stored", cell: (d) => clock(d.time) },
            { title: "source", cell: (d) => h("span", { class: "mono" }, d.source ? `${d.source} ${d.key ?? ""}` : d.subject) },
            { title: "invocation", cell: (d) => (d.invocationId ? h("a", { href: `#invocation/${encodeURIComponent(d.invocationId)}`, class: "mono" }, d.invocationId) : "—") },
            { title: "reason", cell: (d) => h("span", {}, badge(d.code, "bad"), " ", d.reason) },
            { title: "", cell: (d) => (listed?.ok ? h("button", { data: { show: String(d.seq) }, onClick: () => void show(d.seq) }, "Show") : null) },
            { title: "", cell: action },
          ],
          [...live, ...fromList],
          (d) => String(d.seq),
          "The dead-letter stream is empty",
        ),
      );
    };
    const reload = async () => {
      listed = await model.client.deadLetters(100);
      draw();
    };
    void reload();
    return () => void reload();
  },
};
