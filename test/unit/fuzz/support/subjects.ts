/**
 * Whether NATS would take `s` as the subject of a publish: dot-separated tokens, none empty,
 * no whitespace or control character, no wildcard token. A reply subject must be one, or no
 * reply can ever reach it.
 */
export function isPublishableSubject(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  if (s.length === 0 || /[\s\u0000-\u001f\u007f]/.test(s)) return false;
  return s.split(".").every((t) => t.length > 0 && t !== "*" && t !== ">");
}

/**
 * A reply subject no reading of the contract could refuse (an inbox-like name of plain
 * characters, not too long): a request carrying one must be answered there.
 */
export const isPlainSubject = (s: string): boolean => s.length <= 255 && /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/.test(s);
