/**
 * The set of functions a reader may call, derived once per process from the engine's catalogue
 * (`system.functions`) and the category rules in reader-allow-lists.ts.
 */
import {
  AGGREGATE_COMBINATORS, ALLOWED_FUNCTION_CATEGORIES, ALLOWED_OTHER_FUNCTIONS, REFUSED_FUNCTIONS, SYNTAX_FUNCTIONS,
} from './reader-allow-lists.ts';

export interface FunctionCatalogueRow {
  readonly name: string;
  readonly is_aggregate: number;
  readonly case_insensitive: number;
  readonly alias_to: string;
  readonly categories: string;
  readonly origin: string;
}

/** The query that reads the catalogue rows allowedFunctions() takes. */
export const FUNCTION_CATALOGUE_SQL = "SELECT name, is_aggregate, case_insensitive, alias_to, categories, toString(origin) AS origin FROM system.functions";

export class FunctionAllowList {
  readonly #exact = new Set<string>();
  readonly #lower = new Set<string>();
  readonly #aggregates = new Set<string>();
  readonly #aggregatesLower = new Set<string>();

  constructor(rows: readonly FunctionCatalogueRow[]) {
    const byName = new Map(rows.map((r) => [r.name, r]));
    const allowedRow = (r: FunctionCatalogueRow): boolean => {
      if (r.origin !== 'System' || REFUSED_FUNCTIONS.has(r.name)) return false;
      if (r.alias_to) {
        const target = byName.get(r.alias_to);
        return target !== undefined && target !== r && !REFUSED_FUNCTIONS.has(target.name) && allowedRow(target);
      }
      if (r.categories === 'Other') return ALLOWED_OTHER_FUNCTIONS.has(r.name);
      return ALLOWED_FUNCTION_CATEGORIES.has(r.categories);
    };
    for (const r of rows) {
      if (!allowedRow(r)) continue;
      this.#exact.add(r.name);
      if (r.case_insensitive) this.#lower.add(r.name.toLowerCase());
      const aggregate = r.is_aggregate ? r : r.alias_to ? byName.get(r.alias_to) : undefined;
      if (aggregate?.is_aggregate) {
        this.#aggregates.add(r.name);
        if (r.case_insensitive) this.#aggregatesLower.add(r.name.toLowerCase());
      }
    }
    for (const s of SYNTAX_FUNCTIONS) this.#exact.add(s);
  }

  /** Whether a function name as the parser printed it may be called (combinators resolved). */
  allows(name: string): boolean {
    if (REFUSED_FUNCTIONS.has(name)) return false;
    if (this.#exact.has(name) || this.#lower.has(name.toLowerCase())) return true;
    return this.#isAggregateWithCombinators(name);
  }

  #isAggregateWithCombinators(name: string): boolean {
    for (const suffix of AGGREGATE_COMBINATORS) {
      if (name.length <= suffix.length || !name.endsWith(suffix)) continue;
      const base = name.slice(0, -suffix.length);
      if (this.#aggregates.has(base) || this.#aggregatesLower.has(base.toLowerCase()) || this.#isAggregateWithCombinators(base)) return true;
    }
    return false;
  }

  get size(): number {
    return this.#exact.size;
  }
}
