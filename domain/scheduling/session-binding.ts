import type { LanguagePair } from "../ids.js";

/**
 * The session event a placement implies. `bind` on a session's first placement
 * (`SessionBound`); `rebind` when its language pair changed or its pool can no longer take
 * it (`SessionRebound`); none while the binding holds.
 */
export type SessionBinding =
  | {
      readonly kind: "bind";
      readonly sessionId: string;
      readonly poolId: string;
      readonly langPair?: LanguagePair | undefined;
      readonly tenant?: string | undefined;
    }
  | {
      readonly kind: "rebind";
      readonly sessionId: string;
      readonly poolId: string;
      readonly previousPoolId: string;
      readonly langPair?: LanguagePair | undefined;
      readonly reason: "lang_pair_changed" | "pool_ineligible";
    };

export const samePair = (a: LanguagePair | undefined, b: LanguagePair | undefined): boolean =>
  a === undefined || b === undefined ? a === b : a.source === b.source && a.target === b.target;
