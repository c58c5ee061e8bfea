// What the text stage and its workers say to each other.
import type { RulePack } from '../../detect/rules.ts';
import type { ItemText } from '../../text/extract.ts';

export interface TextSetup {
  storeDir: string;
  objectsDb: string;
  /** The rule packs in force; null runs no detectors. */
  packs: RulePack[] | null;
}

export interface TextTask {
  id: number;
  size: number;
  sha256: string;
  name: string;
  mime: string | null;
}

export interface TextResult {
  id: number;
  /** The store does not hold the item's copy. */
  missing: boolean;
  /** Null: the item holds no text that is read (an image, a binary). */
  text: ItemText | null;
  /** One per tag: the best rule that fired (evidence as JSON). */
  hits: { tag: string; ruleId: string; score: number; evidence: string }[];
  detectError: string | null;
}
