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

/**
 * Whether a labelled secret survives redaction, whole or in part: the whole substring, or any piece
 * of it at least a third of its length (4 characters or more) outside the replacement tags — so a rule that masks only part of
 * a value ("123-45[REDACTED]6789") does not count as finding it.
 */
export function survives(secret: string, out: string): boolean {
  if (out.includes(secret)) return true;
  // The replacement tags name the rule ("[REDACTED:aws-amazon-bedrock-api-key-short-lived]"): not a leak.
  const rest = out.replace(/\[REDACTED[^\]]*\]/g, '\u0000');
  const piece = Math.max(4, Math.ceil(secret.length / 3));
  for (let i = 0; i + piece <= secret.length; i++) if (rest.includes(secret.slice(i, i + piece))) return true;
  return false;
}

/** Per category: secrets found (no labelled substring, nor a third of one, left) and look-alikes altered. */
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
      if ((e.secrets ?? []).every((x) => !survives(x, out))) s.found++;
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
