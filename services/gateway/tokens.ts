import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { Sha256 } from "../../domain/ids.js";
import { ALL_SCOPES, Scope } from "./scopes.js";

/** A bearer token as it travels in `Authorization: Bearer <token>`. */
export const TokenText = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[\x21-\x7e]+$/, "a token holds printable ASCII without spaces");

const TokenName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "a name holds letters, digits, '_', '.' and '-' (at most 64) and starts with a letter or digit");

/** One entry of `--tokens-file`. */
const TokenEntry = z
  .strictObject({
    name: TokenName.describe("Shown in the log and in refusals, and the key of the token's rate limit; never the token"),
    token: TokenText.optional().describe("The token itself"),
    sha256: Sha256.optional().describe("Or the sha256 of the token (hex), so the file does not hold the secret: `printf %s \"$TOKEN\" | sha256sum`"),
    scopes: z.array(Scope).min(1, "list at least one scope"),
    rateLimit: z.number().int().min(0).optional().describe("Requests per --rate-window (default --rate-limit; 0: no limit)"),
  })
  .refine((e) => (e.token === undefined) !== (e.sha256 === undefined), "give exactly one of token and sha256");
type TokenEntry = z.output<typeof TokenEntry>;

/** `--tokens-file`, YAML or JSON (which YAML reads too): `{ tokens: [ { name, token | sha256, scopes, rateLimit? } ] }`. */
export const TokensFile = z.strictObject({ tokens: z.array(TokenEntry) });

/** A token the gateway accepts, as it keeps it: its sha256, never the token. */
export interface Credential {
  readonly name: string;
  readonly digest: Buffer;
  readonly scopes: ReadonlySet<Scope>;
  /** Requests per rate window; undefined: the gateway's --rate-limit; 0: no limit. */
  readonly rateLimit?: number;
}

const digestOf = (token: string): Buffer => createHash("sha256").update(token, "utf8").digest();

/** Reads and checks `--tokens-file` at start; each problem names the entry and field (`tokens.0.scopes.1: ...`). */
export const TokensFileAt = z.string().min(1).transform((path, ctx): { readonly path: string; readonly entries: readonly TokenEntry[] } => {
  const fail = (message: string) => {
    ctx.addIssue({ code: "custom", message: `${message} (${path})` });
    return z.NEVER;
  };
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    return fail(`the file cannot be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    return fail(`the file is not YAML or JSON: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
  }
  const parsed = TokensFile.safeParse(doc);
  if (!parsed.success) {
    for (const i of parsed.error.issues) fail(`${i.path.join(".") || "(root)"}: ${i.message}`);
    return z.NEVER;
  }
  return { path, entries: parsed.data.tokens };
});

/**
 * The credentials of `--tokens` (each named `token-<n>`, with every scope) and of the tokens
 * file; a name or a token given twice is refused, `problem` naming the setting and the entry.
 */
export function credentialsOf(
  tokens: readonly string[],
  entries: readonly TokenEntry[],
  problem: (setting: "tokens" | "tokensFile", message: string) => void,
): Credential[] {
  const all: Credential[] = [
    ...tokens.map((t, i) => ({ name: `token-${i + 1}`, digest: digestOf(t), scopes: ALL_SCOPES })),
    ...entries.map((e) => ({
      name: e.name,
      digest: e.token !== undefined ? digestOf(e.token) : Buffer.from(e.sha256!, "hex"),
      scopes: new Set(e.scopes),
      ...(e.rateLimit !== undefined ? { rateLimit: e.rateLimit } : {}),
    })),
  ];
  all.forEach((c, i) => {
    const [setting, entry] = i < tokens.length ? (["tokens", c.name] as const) : (["tokensFile", `tokens.${i - tokens.length}`] as const);
    if (all.findIndex((o) => o.name === c.name) < i) problem(setting, `${entry}.name: the name '${c.name}' is given twice`);
    const sameToken = all.findIndex((o) => o.digest.equals(c.digest));
    if (sameToken < i) problem(setting, `${entry}: the same token as '${all[sameToken]!.name}'`);
  });
  return all;
}

/** Finds the credential a presented token is. */
export class TokenVerifier {
  constructor(private readonly credentials: readonly Credential[]) {}

  /**
   * Constant time: the token's sha256 is compared with every credential's, without stopping
   * at a match, so the time taken says nothing about which token (or how much of one) matched.
   */
  find(token: string): Credential | undefined {
    const digest = digestOf(token);
    let found: Credential | undefined;
    for (const c of this.credentials) {
      const same = timingSafeEqual(digest, c.digest);
      if (same && found === undefined) found = c;
    }
    return found;
  }
}
