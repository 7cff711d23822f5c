/**
 * FNV-1a (32 bit) over the string's UTF-16 code units: stable across processes and releases,
 * so every scheduler replica maps a routing key to the same pool.
 */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
