import Table from "cli-table3";

export const printJson = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

export function printTable(head: readonly string[], rows: readonly (readonly unknown[])[]): void {
  const t = new Table({ head: [...head], style: { head: ["bold"], border: [] } });
  for (const r of rows) t.push(r.map((c) => (c === undefined || c === null ? "-" : String(c))));
  process.stdout.write(`${t.toString()}\n`);
}
