/**
 * The gate every statement sent to the query port passes before it runs: the engine parses it
 * (`formatQuery`, then `EXPLAIN AST` of what formatQuery printed), the gate checks the tree
 * against the allow-lists, and the caller runs exactly the text that was checked.
 *
 * - approveRead(): one read statement (SELECT / UNION / WITH, SHOW TABLES / DATABASES, DESCRIBE,
 *   EXISTS, SHOW CREATE TABLE) naming only allowed functions, table functions, databases,
 *   `system` tables and output formats; no INTO OUTFILE.
 * - authoriseInsert(): `INSERT INTO <flightrec's table> [(columns)] FORMAT <text format>` and
 *   nothing else (no SELECT, no table function, no SETTINGS): the rows come in the body and are
 *   handed to the engine as data, never as SQL.
 *
 * Neither parse runs the query: formatQuery and EXPLAIN AST only parse. (EXPLAIN QUERY TREE would
 * resolve table functions, and so call url() or file() to infer their structure, before any check.)
 */
import { AccessRefused } from './access-refused.ts';
import { checkSettingsClauses, type SettingCeilings } from './settings-clauses.ts';
import { liftOuterSettings, type OuterSetting } from './outer-settings.ts';
import { parseExplainAst, walk, type AstNode } from './engine-ast.ts';
import type { FunctionAllowList } from './function-allow-list.ts';
import { ALLOWED_OUTPUT_FORMATS, ALLOWED_SYSTEM_TABLES, ALLOWED_TABLE_FUNCTIONS } from './reader-allow-lists.ts';
import { quoteString } from '../storage/tables.ts';

/** The part of a chdb Session the gate uses. */
export { AccessRefused };

export interface EngineSession {
  queryAsync(sql: string, opts?: { format?: string }): Promise<{ text(): string }>;
}


export interface GateScope {
  /** flightrec's database: the only one a reader may read or a writer write. */
  readonly database: string;
  /** The database unqualified names resolve against in this request (flightrec's, or `system`). */
  readonly currentDatabase: string;
}

const READ_ROOTS = new Set(['SelectWithUnionQuery', 'ShowTables', 'DescribeQuery', 'ExistsTableQuery', 'ShowCreateTableQuery']);

/**
 * Node kinds that are syntax around expressions, each checked to print every function and table
 * under it as child nodes; anything not named here (or handled below) is refused. Not here:
 * ColumnsApplyTransformer (`* APPLY(file)` calls a function the tree does not print).
 */
const SYNTAX_NODES = new Set([
  'SelectWithUnionQuery', 'SelectIntersectExceptQuery', 'SelectQuery', 'ExpressionList', 'Identifier', 'Literal', 'Asterisk',
  'QualifiedAsterisk', 'ColumnsRegexpMatcher', 'ColumnsListMatcher', 'QualifiedColumnsRegexpMatcher', 'QualifiedColumnsListMatcher',
  'ColumnsTransformerList', 'ColumnsExceptTransformer', 'ColumnsReplaceTransformer',
  'TablesInSelectQuery', 'TablesInSelectQueryElement', 'TableExpression', 'TableIdentifier', 'TableJoin', 'ArrayJoin', 'Subquery',
  'WithElement', 'OrderByElement', 'WindowDefinition', 'WindowListElement', 'Set', 'QueryParameter', 'InterpolateElement',
  'SampleRatio', 'DataType', 'NameTypePair', 'Function', 'ShowTables', 'DescribeQuery', 'ExistsTableQuery', 'ShowCreateTableQuery',
  'Alias', 'CollationElement',
]);

const IN_FUNCTIONS = new Set(['in', 'notIn', 'globalIn', 'globalNotIn', 'nullIn', 'notNullIn', 'globalNullIn', 'globalNotNullIn']);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `x (alias y)` → `x`; names printed with spaces or extra parts do not match NAME and are refused. */
function withoutAlias(text: string): string {
  return text.replace(/ \(alias [^]*\)$/, '');
}

/** The engine's canonical text of one statement; refuses several statements. */
async function formatOne(session: EngineSession, sql: string): Promise<string> {
  try {
    const rs = await session.queryAsync(`SELECT formatQuery(${quoteString(sql)}) AS q`, { format: 'JSONEachRow' });
    return (JSON.parse(rs.text()) as { q: string }).q;
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    if (/Multi-statements are not allowed/.test(message)) throw new AccessRefused('Only one statement per request is allowed');
    // The parser's own error, without the formatQuery(...) wrapper it was reported in.
    throw Object.assign(new Error(message.replace(/: In scope SELECT formatQuery\([^]*?\)( AS q)?\./, '.')), { cause: err });
  }
}

async function astOf(session: EngineSession, statement: string): Promise<AstNode> {
  const ast = parseExplainAst((await session.queryAsync(`EXPLAIN AST ${statement}`, { format: 'TSVRaw' })).text());
  if (!ast) throw new AccessRefused('The query could not be checked (names with line breaks or unusual characters are not allowed)');
  return ast;
}

function checkTable(name: string, scope: GateScope): void {
  const parts = name.split('.');
  if (parts.length > 2 || !parts.every((p) => NAME.test(p))) throw new AccessRefused(`Table name ${JSON.stringify(name)} is not allowed for a read-only user`);
  const [db, table] = parts.length === 2 ? [parts[0]!, parts[1]!] : [scope.currentDatabase, parts[0]!];
  if (db === scope.database) return;
  if (db === 'system' && ALLOWED_SYSTEM_TABLES.has(table)) return;
  throw new AccessRefused(`Not enough privileges to read ${db}.${table}: a reader may read database ${scope.database} and system.{${[...ALLOWED_SYSTEM_TABLES].join(',')}}`);
}

function checkDatabase(name: string, scope: GateScope): void {
  if (name !== scope.database && name !== 'system') throw new AccessRefused(`Not enough privileges to list database ${JSON.stringify(name)}`);
}

/**
 * Throws AccessRefused unless the tree is one read that names only allowed things. `format` is the
 * statement's `FORMAT` clause (the tree of a SHOW / DESCRIBE / EXISTS prints it as one more
 * Identifier child, indistinguishable from a name otherwise).
 */
export function checkReadAst(ast: AstNode, scope: GateScope, functions: FunctionAllowList, format?: string): { settingsClauses: number } {
  let settingsClauses = 0;
  if (!READ_ROOTS.has(ast.kind)) throw new AccessRefused(`Cannot execute query in readonly mode: ${ast.kind.replace(/Query$/, '')} is not a read (SELECT, SHOW TABLES, DESCRIBE, EXISTS)`, 164);
  if (format !== undefined && !ALLOWED_OUTPUT_FORMATS.has(format)) throw new AccessRefused(`Format ${format} is not allowed for a read-only user`);
  const names = (node: AstNode): string[] => {
    const ids = node.children.filter((c) => c.kind === 'Identifier').map((c) => c.text);
    return node === ast && format !== undefined && ids.at(-1) === format ? ids.slice(0, -1) : ids;
  };
  for (const { node, parent } of walk(ast)) {
    if (!SYNTAX_NODES.has(node.kind)) throw new AccessRefused(`The query could not be checked: ${node.kind} is not allowed for a read-only user`);
    switch (node.kind) {
      case 'SelectWithUnionQuery':
        for (const child of node.children) {
          if (child.kind === 'Literal') throw new AccessRefused('INTO OUTFILE is not allowed');
          if (child.kind === 'Identifier' && !ALLOWED_OUTPUT_FORMATS.has(child.text)) throw new AccessRefused(`Format ${child.text} is not allowed for a read-only user`);
        }
        break;
      case 'Function': {
        const name = withoutAlias(node.text);
        if (parent?.kind === 'TableExpression') {
          if (!ALLOWED_TABLE_FUNCTIONS.has(name)) throw new AccessRefused(`Not enough privileges: table function ${name} is not allowed for a read-only user`);
        } else if (!functions.allows(name)) {
          throw new AccessRefused(`Not enough privileges: function ${name} is not allowed for a read-only user`);
        }
        // `x IN table`: the right-hand side names a table.
        const rhs = node.children[0]?.children[1];
        if (IN_FUNCTIONS.has(name) && rhs?.kind === 'Identifier') checkTable(withoutAlias(rhs.text), scope);
        break;
      }
      case 'TableIdentifier':
        checkTable(withoutAlias(node.text), scope);
        break;
      case 'Set':
        // Checked by settings-clauses.ts on the engine's text: the tree does not show its settings.
        settingsClauses++;
        break;
      case 'ShowTables':
        for (const db of names(node)) checkDatabase(db, scope);
        break;
      case 'ExistsTableQuery':
      case 'ShowCreateTableQuery': {
        const ids = names(node);
        if (ids.length < 1 || ids.length > 2 || node.children.some((c) => c.kind !== 'Identifier')) throw new AccessRefused('The query could not be checked');
        checkTable(ids.join('.'), scope);
        break;
      }
    }
  }
  return { settingsClauses };
}

/** What a reader's statement may run as: the checked text, and session settings its outer clause asked for. */
export interface ApprovedRead {
  /** The engine's canonical text, without the outer SETTINGS clause: what must run. */
  readonly statement: string;
  /** `SET …` statements for the outer clause's checked settings, to run before `readonly = 1`. */
  readonly sessionSettings: readonly string[];
  /** The statement's own `FORMAT` clause, if it has one (the last line of `statement`). */
  readonly format?: string;
}

/**
 * Approve a statement for a reader: returns the engine's canonical text of it, which is what must
 * run, and the settings of its outer SETTINGS clause, each checked (a limit only lowered; ad hoc
 * filters each approved as an expression over an allowed table). Query parameters (`{name:Type}`)
 * must already be set on the session (EXPLAIN AST needs them).
 */
export async function approveRead(session: EngineSession, sql: string, scope: GateScope, functions: FunctionAllowList, ceilings?: SettingCeilings): Promise<ApprovedRead> {
  const { statement, settings } = liftOuterSettings(await formatOne(session, sql));
  // formatQuery prints FORMAT last, on its own line.
  const format = /\nFORMAT ([A-Za-z][A-Za-z0-9]*)$/.exec(statement)?.[1];
  const { settingsClauses } = checkReadAst(await astOf(session, statement), scope, functions, format);
  checkSettingsClauses(statement, settingsClauses, ceilings);
  const sessionSettings: string[] = [];
  for (const setting of settings) sessionSettings.push(await approveOuterSetting(session, setting, scope, functions, ceilings));
  return { statement, sessionSettings, ...(format !== undefined && { format }) };
}

const TABLE_FILTERS = 'additional_table_filters';
/** More than a dashboard needs (the plugin sends one table), few enough to check quickly. */
const MAX_TABLE_FILTERS = 8;

async function approveOuterSetting(session: EngineSession, setting: OuterSetting, scope: GateScope, functions: FunctionAllowList, ceilings: SettingCeilings | undefined): Promise<string> {
  const refuse = (why: string): never => {
    throw new AccessRefused(`Cannot modify settings in readonly mode: ${why}; a SETTINGS clause may only lower ${[...(ceilings?.keys() ?? [])].join(', ')} or set ${TABLE_FILTERS}`, 164);
  };
  if ('number' in setting.value) {
    const ceiling = ceilings?.get(setting.name);
    if (ceiling === undefined) refuse(`setting ${setting.name} is not allowed`);
    const n = Number(setting.value.number);
    if (!(n >= 1 && n <= ceiling!)) refuse(`${setting.name} = ${setting.value.number} is outside 1..${ceiling}`);
    return `SET ${setting.name} = ${n}`;
  }
  if (setting.name !== TABLE_FILTERS) refuse(`setting ${setting.name} is not allowed`);
  if (setting.value.map.length > MAX_TABLE_FILTERS) refuse(`at most ${MAX_TABLE_FILTERS} table filters`);
  const entries: string[] = [];
  if (setting.value.map.length > 0) {
    // The literals passed a strict shape check (one quoted string each): the engine decodes them.
    const literals = setting.value.map.flat();
    const rs = await session.queryAsync(`SELECT [${literals.join(', ')}] AS v`, { format: 'JSONEachRow' });
    const decoded = (JSON.parse(rs.text()) as { v: string[] }).v;
    for (let i = 0; i < decoded.length; i += 2) {
      const [table, filter] = [decoded[i]!, decoded[i + 1]!];
      checkTable(table, scope);
      entries.push(`${quoteString(table)}:${quoteString(await approveTableFilter(session, table, filter, scope, functions))}`);
    }
  }
  return `SET ${TABLE_FILTERS} = {${entries.join(', ')}}`;
}

/**
 * An ad hoc filter is an expression the engine will add to every read of `table`: approved as the
 * WHERE of `SELECT 1 FROM table`, which must parse to exactly that shape (nothing after the WHERE,
 * no UNION, no SETTINGS, no FORMAT) and pass the reader's checks. Returns the engine's canonical
 * text of the expression, which is what the filter becomes.
 */
async function approveTableFilter(session: EngineSession, table: string, filter: string, scope: GateScope, functions: FunctionAllowList): Promise<string> {
  const bad = (): never => {
    throw new AccessRefused(`The ad hoc filter for ${table} could not be checked: it must be one expression over the table's columns`);
  };
  const from = table.split('.').map((p) => `\`${p}\``).join('.');
  const prefix = `SELECT 1\nFROM ${from}\nWHERE `;
  let canonical: string;
  try {
    canonical = await formatOne(session, `${prefix}${filter}\n`);
  } catch (err) {
    if (err instanceof AccessRefused) throw err;
    return bad();
  }
  const head = `SELECT 1\nFROM ${table}\nWHERE `;
  if (!canonical.startsWith(head)) bad();
  const ast = await astOf(session, canonical);
  const select = ast.children.length === 1 && ast.children[0]!.children.length === 1 ? ast.children[0]!.children[0]! : undefined;
  if (ast.kind !== 'SelectWithUnionQuery' || select?.kind !== 'SelectQuery' || select.children.length !== 3) bad();
  if (checkReadAst(ast, scope, functions).settingsClauses !== 0) bad();
  return canonical.slice(head.length);
}

/** Formats chdb's raw insert takes: the rows are handed to the engine as data, never parsed as SQL. */
export const INSERT_FORMATS = ['JSONEachRow', 'JSONCompactEachRow', 'CSV', 'CSVWithNames', 'TSV', 'TabSeparated', 'TSVWithNames', 'TabSeparatedWithNames'] as const;
export type InsertFormat = (typeof INSERT_FORMATS)[number];

export interface InsertTarget {
  readonly database: string;
  readonly table: string;
  /** The column list, when the statement named one. */
  readonly columns?: readonly string[];
  /** The FORMAT the statement named (checked against `formats`). */
  readonly format: string;
}

export interface InsertRules {
  /** Formats the caller can hand to the engine as data (default INSERT_FORMATS). */
  readonly formats?: readonly string[];
  /** Whether `database.table` is one of flightrec's tables a writer may insert into. */
  readonly isWritableTable: (database: string, table: string) => Promise<boolean>;
}

/**
 * Authorise the statement part of an INSERT (`INSERT INTO t [(a, b)] FORMAT F`, without its rows)
 * for a writer. Returns where the rows go; throws AccessRefused for anything else. Exported for
 * every insert path of the query port (text formats here; binary formats are the caller's to add
 * to `formats` together with a way to hand them to the engine as data).
 */
export async function authoriseInsert(session: EngineSession, header: string, scope: GateScope, rules: InsertRules): Promise<InsertTarget> {
  const statement = await formatOne(session, header);
  const ast = await astOf(session, statement);
  if (ast.kind !== 'InsertQuery') throw new AccessRefused(`A writer may only INSERT rows: ${ast.kind.replace(/Query$/, '')} is not allowed`);
  const ids: string[] = [];
  let columns: string[] | undefined;
  for (const child of ast.children) {
    if (child.kind === 'Identifier' && columns === undefined) ids.push(child.text);
    else if (child.kind === 'ExpressionList' && columns === undefined && child.children.every((c) => c.kind === 'Identifier')) columns = child.children.map((c) => c.text);
    else throw new AccessRefused('A writer may only INSERT INTO one of flightrec\'s tables with the rows in the body (no SELECT, table function or SETTINGS)');
  }
  if (ids.length < 1 || ids.length > 2 || !ids.every((p) => NAME.test(p))) throw new AccessRefused('INSERT target could not be checked');
  const [database, table] = ids.length === 2 ? [ids[0]!, ids[1]!] : [scope.currentDatabase, ids[0]!];
  if (columns && !columns.every((c) => /^[A-Za-z_][A-Za-z0-9_.]*$/.test(c))) throw new AccessRefused('INSERT column names could not be checked');
  const format = /\bFORMAT\s+([A-Za-z][A-Za-z0-9]*)\s*$/.exec(statement)?.[1];
  const formats = rules.formats ?? INSERT_FORMATS;
  if (!format || !formats.includes(format)) {
    throw new AccessRefused(`An INSERT must carry its rows in the body in one of the formats ${formats.join(', ')}: INSERT INTO table [(columns)] FORMAT JSONEachRow`);
  }
  if (database !== scope.database || !(await rules.isWritableTable(database, table))) {
    throw new AccessRefused(`Not enough privileges to insert into ${database}.${table}: a writer may insert into flightrec's tables in ${scope.database}`);
  }
  return { database, table, columns, format };
}

/**
 * Split a request's SQL into the INSERT statement and its rows, as a ClickHouse server does:
 * the rows start after `FORMAT <name>` and one whitespace character. Returns null when the text
 * is not an INSERT … FORMAT (it then goes through approveRead, which refuses what is not a read).
 */
export function splitInsert(queryParam: string, body: Buffer): { header: string; data: Buffer } | null {
  const isInsert = (s: string): boolean => /^\s*INSERT\s/i.test(s);
  if (queryParam && isInsert(queryParam)) return { header: queryParam, data: body };
  if (queryParam) return null;
  const head = body.subarray(0, 64 * 1024).toString('latin1');
  if (!isInsert(head)) return null;
  const m = /^\s*INSERT\s[^]*?\bFORMAT\s+[A-Za-z][A-Za-z0-9]*(?:\r?\n|[ \t]|$)/i.exec(head);
  if (!m) return { header: head.length < 64 * 1024 ? body.toString('utf8') : head, data: Buffer.alloc(0) };
  return { header: Buffer.from(m[0], 'latin1').toString('utf8').trimEnd(), data: body.subarray(m[0].length) };
}
