import { z } from "zod";
import { errorCatalog, retryClasses, type ErrorCode, type RetryClass } from "../../domain/errors.js";

interface JsonSchema {
  readonly properties?: Record<string, { readonly const?: unknown; readonly enum?: readonly unknown[] }>;
  readonly required?: readonly string[];
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
}

const allCodes = Object.keys(errorCatalog) as ErrorCode[];
const quoted = (list: readonly string[]) => list.map((c) => `\`${c}\``).join(", ");

/** An object's fields: `key?` when optional, `key: "v"` when fixed, `key: "a" \| "b"` for a few values; alternatives with "or". */
function fields(s: JsonSchema): string {
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return alternatives.map(fields).join("; *or* ");
  return Object.entries(s.properties ?? {})
    .map(([key, p]) => {
      if (p.const !== undefined) return `\`${key}: ${JSON.stringify(p.const)}\``;
      if (p.enum) return `\`${key}: ${p.enum.map((v) => JSON.stringify(v)).join(" \\| ")}\``;
      return `\`${key}${s.required?.includes(key) ? "" : "?"}\``;
    })
    .join(", ");
}

const detailsOf = (c: ErrorCode): string | undefined => {
  const entry = errorCatalog[c];
  return "details" in entry ? fields(z.toJSONSchema(entry.details, { io: "output", unrepresentable: "any" }) as JsonSchema) : undefined;
};

/** docs/api.md's section on what each code means for trying again, and the shape of its details. */
export const retryDocSection = {
  title: "Retry classes and details",
  render: (): readonly string[] => [
    "Every code has a retry class, which says what trying the same thing again can achieve. Spear's own retries go",
    "by it: a spearlet hands an attempt to another node when the call failed with a `retryable` code or could not start",
    "there (a `refusal` spends no attempt), and stops a call whose lease is `fenced`; a scheduler keeps a request waiting",
    "while placement fails with a `retryable` code; Spear's services wait out an `outage`. A client can go by it the same",
    "way. A result's status says whether Spear tries it again: a `timed_out` result's `timeout` is the call's own time limit.",
    "",
    "| class | meaning | codes |",
    "|---|---|---|",
    ...(Object.keys(retryClasses) as RetryClass[]).map(
      (r) => `| \`${r}\` | ${retryClasses[r]} | ${quoted(allCodes.filter((c) => errorCatalog[c].retry === r))} |`,
    ),
    "",
    "An error's `details`, when it has them, carry these fields (`?`: not always); other codes' details are free-form.",
    "",
    "| code | details |",
    "|---|---|",
    ...allCodes.flatMap((c) => {
      const d = detailsOf(c);
      return d ? [`| \`${c}\` | ${d} |`] : [];
    }),
  ],
};
