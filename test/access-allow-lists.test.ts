/**
 * The reader allow-lists without a server: the function list derived from catalogue rows (aliases,
 * case-insensitive names, aggregate combinators, the categories), and the reading of the engine's
 * EXPLAIN AST text (a malformed tree is refused, never guessed at).
 */
import { describe, expect, it } from 'vitest';
import { parseExplainAst } from '../access/engine-ast.ts';
import { FunctionAllowList, type FunctionCatalogueRow } from '../access/function-allow-list.ts';
import { readerSettingAllowed } from '../access/reader-allow-lists.ts';

const row = (name: string, categories: string, extra: Partial<FunctionCatalogueRow> = {}): FunctionCatalogueRow => ({
  name, categories, is_aggregate: 0, case_insensitive: 0, alias_to: '', origin: 'System', ...extra,
});

const list = new FunctionAllowList([
  row('length', 'String', { case_insensitive: 1 }),
  row('sum', 'Aggregate Functions', { is_aggregate: 1, case_insensitive: 1 }),
  row('uniqExact', 'Aggregate Functions', { is_aggregate: 1 }),
  row('file', 'Other'),
  row('version', 'Other'),
  row('hostName', 'Other'),
  row('hostname', '', { alias_to: 'hostName', case_insensitive: 1 }),
  row('VERSION', '', { alias_to: 'version' }),
  row('sleep', 'Other'),
  row('dictGet', 'Dictionary'),
  row('aiGenerate', 'AI'),
  row('myUdf', 'String', { origin: 'ExecutableUserDefined' }),
  row('newThing', 'A Category Added Later'),
]);

describe('FunctionAllowList', () => {
  it('allows pure categories and the named Other functions, with their aliases and case-insensitive spellings', () => {
    for (const name of ['length', 'LENGTH', 'sum', 'SUM', 'version', 'VERSION', 'lambda', 'exists', '_CAST']) expect(list.allows(name), name).toBe(true);
  });

  it('allows aggregate combinators on allowed aggregates only', () => {
    for (const name of ['sumIf', 'sumStateIf', 'uniqExactIf', 'SUMIf', 'sumOrNullIf', 'sumForEachArray']) expect(list.allows(name), name).toBe(true);
    for (const name of ['fileIf', 'lengthIf', 'sleepIf', 'If', 'dictGetIf']) expect(list.allows(name), name).toBe(false);
  });

  it('refuses files, hosts, sleep, dictionaries, AI, user-defined functions, unknown categories and unknown names', () => {
    for (const name of ['file', 'FILE', 'hostName', 'hostname', 'sleep', 'dictGet', 'aiGenerate', 'myUdf', 'newThing', 'nope']) expect(list.allows(name), name).toBe(false);
  });
});

describe('parseExplainAst', () => {
  it('reads a tree with its child counts', () => {
    const ast = parseExplainAst('SelectWithUnionQuery (children 1)\n ExpressionList (children 1)\n  Function file (alias f) (children 1)\n   ExpressionList\n');
    expect(ast?.children[0]!.children[0]).toMatchObject({ kind: 'Function', text: 'file (alias f)' });
  });

  it('refuses text whose indentation or counts do not make one tree', () => {
    expect(parseExplainAst('SelectQuery (children 2)\n ExpressionList\n')).toBeNull(); // a child missing
    expect(parseExplainAst('SelectQuery (children 1)\n ExpressionList\n Literal 1\n')).toBeNull(); // one too many
    expect(parseExplainAst('Function fi\nle (children 1)\n ExpressionList\n')).toBeNull(); // a name with a line break
    expect(parseExplainAst('SelectQuery\n  Literal 1\n')).toBeNull();
    expect(parseExplainAst('ColumnsReplaceTransformer::Replacement (children 1)\n Literal 1\n')).toBeNull();
  });
});

describe('reader settings', () => {
  it('lets output and limit settings through, nothing that names files, schemas, users or readonly', () => {
    for (const s of ['output_format_json_quote_64bit_integers', 'max_execution_time', 'date_time_output_format', 'join_use_nulls', 'session_timezone']) expect(readerSettingAllowed(s), s).toBe(true);
    for (const s of ['readonly', 'format_schema', 'output_format_schema', 'format_template_row', 'max_download_threads_url', 'allow_introspection_functions', 'user_files_path', 'os_thread_priority', 'priority', 'log_queries']) expect(readerSettingAllowed(s), s).toBe(false);
  });
});
