/**
 * Spread: the session's last node moves to the end of the list, so consecutive calls of a
 * session land elsewhere when anything else is free, and still land there when nothing is.
 */
export function spreadAway<T extends { readonly nodeId: string }>(candidates: readonly T[], lastNode: string | undefined): readonly T[] {
  if (lastNode === undefined || candidates.length < 2) return candidates;
  const at = candidates.findIndex((c) => c.nodeId === lastNode);
  if (at < 0 || at === candidates.length - 1) return candidates;
  return [...candidates.slice(0, at), ...candidates.slice(at + 1), candidates[at]!];
}
