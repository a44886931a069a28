/**
 * One labelled example of the redaction corpus (test/fixtures/redaction-tuning.json and
 * redaction-heldout.json): a secret/personal datum inside some text, whose `secrets` must all be
 * gone after redaction, or a look-alike whose text must come out unchanged. Generated, never real.
 */
export interface CorpusEntry {
  readonly category: string;
  readonly kind: 'secret' | 'lookalike';
  /** What it is, for a failure message ("visa, dashed, in a JSON tool result"). */
  readonly name: string;
  readonly text: string;
  /** For `secret`: substrings that must not survive (the secret, or for long blocks some of its lines). */
  readonly secrets?: readonly string[];
}

export const CATEGORIES = ['provider_token', 'private_key', 'connection_string', 'secret_assignment', 'card', 'iban', 'national_id', 'phone', 'email'] as const;

/** Per category: secrets found (none of their substrings left) and look-alikes altered. */
export interface CategoryScore {
  readonly category: string;
  readonly secrets: number;
  readonly found: number;
  readonly lookalikes: number;
  readonly altered: number;
  readonly missed: readonly string[];
  readonly falsePositives: readonly string[];
}

/** Scores outputs (same order as `entries`) per category. */
export function score(entries: readonly CorpusEntry[], outputs: readonly string[]): CategoryScore[] {
  const by = new Map<string, { secrets: number; found: number; lookalikes: number; altered: number; missed: string[]; falsePositives: string[] }>();
  entries.forEach((e, i) => {
    const s = by.get(e.category) ?? { secrets: 0, found: 0, lookalikes: 0, altered: 0, missed: [], falsePositives: [] };
    by.set(e.category, s);
    const out = outputs[i]!;
    if (e.kind === 'secret') {
      s.secrets++;
      if ((e.secrets ?? []).every((x) => !out.includes(x))) s.found++;
      else s.missed.push(e.name);
    } else {
      s.lookalikes++;
      if (out !== e.text) {
        s.altered++;
        s.falsePositives.push(e.name);
      }
    }
  });
  return [...by.entries()].map(([category, s]) => ({ category, ...s }));
}
