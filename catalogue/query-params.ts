/**
 * Parameters given to a saved query on the command line, resolved against its declaration before
 * anything reaches the server: defaults merged, unknown and missing names refused, values
 * type-checked, each with one clear line. (The Grafana generator maps parameters to dashboard
 * variables instead: grafana/translate-query.ts.)
 */
import { QueryParamError, type QueryParam, type SavedQuery } from './saved-queries.ts';

const INT_RANGES: Record<string, [bigint, bigint]> = {
  UInt8: [0n, 255n], UInt16: [0n, 65535n], UInt32: [0n, 4294967295n], UInt64: [0n, 18446744073709551615n],
  Int8: [-128n, 127n], Int16: [-32768n, 32767n], Int32: [-2147483648n, 2147483647n], Int64: [-9223372036854775808n, 9223372036854775807n],
};

/** Check a CLI value against its declared type before it reaches the server, for a clear message. */
export function checkParamValue(p: QueryParam, value: string): void {
  const fail = (why: string): never => {
    throw new QueryParamError(`parameter ${p.name} must be ${p.type}: ${why} (got ${JSON.stringify(value)})`);
  };
  const range = INT_RANGES[p.type];
  if (range) {
    if (!/^-?\d+$/.test(value)) fail('not a whole number');
    const n = BigInt(value);
    if (n < range[0] || n > range[1]) fail(`out of range ${range[0]}..${range[1]}`);
  } else if (/^Float(32|64)$/.test(p.type)) {
    if (value.trim() === '' || !Number.isFinite(Number(value))) fail('not a number');
  } else if (/^DateTime/.test(p.type)) {
    if (!/^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(value) && !/^\d+(\.\d+)?$/.test(value)) fail('not a date-time (YYYY-MM-DD hh:mm:ss or Unix seconds)');
  }
}

/** Merge defaults, reject unknown and missing parameters, and type-check what remains. */
export function resolveParams(q: SavedQuery, given: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(given)) {
    if (!q.params.some((p) => p.name === k)) {
      throw new QueryParamError(`query ${q.name} has no parameter ${k}; it takes: ${q.params.map((p) => p.name).join(', ') || 'none'}`);
    }
  }
  for (const p of q.params) {
    const v = given[p.name] ?? p.default;
    if (v === undefined) throw new QueryParamError(`query ${q.name} needs --param ${p.name}=<${p.type}> (${p.description})`);
    checkParamValue(p, v);
    out[p.name] = v;
  }
  return out;
}
