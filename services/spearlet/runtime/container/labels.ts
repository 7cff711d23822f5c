/**
 * Labels on every container the runtime creates. `spear.owner` (the spearlet's node id) is what
 * lets a spearlet find and remove its own leftovers at start, and only its own: several
 * spearlets may share one engine.
 */
export const LABEL = {
  owner: "spear.owner",
  instance: "spear.instance",
  function: "spear.function",
  version: "spear.version",
  mode: "spear.mode",
  invocation: "spear.invocation",
} as const;

export const ownerFilter = (ownerId: string) => ({ label: [`${LABEL.owner}=${ownerId}`] });
