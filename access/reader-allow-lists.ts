/**
 * What a read-only user of the query port may name in a query: functions, table functions,
 * databases, `system` tables, output formats and settings. Allow-lists only: whatever is not
 * listed here is refused, so a function a newer engine adds stays refused until it is looked at.
 *
 * Functions are derived from the engine's own catalogue (`system.functions`, built-in functions
 * only) by category: whole categories of pure computation (strings, dates, arrays, maths, hashes,
 * aggregates, …) are allowed; from the catch-all `Other` category only the names listed below.
 * Never allowed: what reads or writes files (`file`, `filesystem*`, `catboostEvaluate`), reaches
 * the network or other tables/dictionaries (`AI` functions, `dictGet*`, `joinGet`,
 * `hasColumnInTable`, `region*`), introspects the process (`Introspection`, `Internal`,
 * `getServerSetting`, `getMacro`, `showCertificate`, host names, ports, `buildId`), or stalls a
 * thread (`sleep`, `sleepEachRow`). The categories were read from chdb 3.4 (ClickHouse 26.7),
 * where a name-by-name review of the allowed categories found none that leaves the process.
 */

export const ALLOWED_FUNCTION_CATEGORIES: ReadonlySet<string> = new Set([
  'Aggregate Functions', 'Arithmetic', 'Arrays', 'Bit', 'Bitmap', 'Comparison', 'Conditional', 'Dates and Times', 'Distance',
  'Encoding', 'Financial', 'Geo', 'Geo Polygon', 'Hash', 'IP Address', 'JSON', 'Logical', 'Map', 'Mathematical', 'Null',
  'NumericIndexedVector', 'QBit', 'Random Number', 'Rounding', 'String', 'String Replacement', 'String Search', 'String Splitting',
  'Time Series', 'Time Window', 'Tuple', 'Type Conversion', 'URL', 'UUID',
]);

/** From the `Other` category: functions of their arguments, of the query, or harmless facts about the engine. */
export const ALLOWED_OTHER_FUNCTIONS: ReadonlySet<string> = new Set([
  'bar', 'blockNumber', 'blockSerializedSize', 'blockSize', 'byteSize', 'colorOKLABToSRGB', 'colorOKLCHToSRGB', 'colorSRGBToOKLAB',
  'colorSRGBToOKLCH', 'countDigits', 'currentDatabase', 'currentQueryID', 'currentUser', 'defaultValueOfArgumentType',
  'defaultValueOfTypeName', 'digits', 'displayName', 'dumpColumnStructure', 'errorCodeToName', 'finalizeAggregation', 'flipCoordinates',
  'formatQuery', 'formatQueryOrNull', 'formatQuerySingleLine', 'formatQuerySingleLineOrNull', 'formatReadableDecimalSize',
  'formatReadableQuantity', 'formatReadableSize', 'formatReadableTimeDelta', 'getSetting', 'getSettingOrDefault',
  'getSizeOfEnumType', 'getSubcolumn', 'identity', 'ignore', 'indexHint', 'initialQueryID', 'initializeAggregation', 'isConstant',
  'isDecimalOverflow', 'lowCardinalityIndices', 'lowCardinalityKeys', 'MACNumToString', 'MACStringToNum', 'MACStringToOUI',
  'materialize', 'minSampleSizeContinuous', 'minSampleSizeConversion', 'neighbor', 'normalizeQuery', 'normalizeQueryKeepNames',
  'normalizedQueryHash', 'normalizedQueryHashKeepNames', 'parseReadableSize', 'parseReadableSizeOrNull', 'parseReadableSizeOrZero',
  'parseTimeDelta', 'queryID', 'revision', 'rowNumberInAllBlocks', 'rowNumberInBlock', 'runningAccumulate', 'runningDifference',
  'runningDifferenceStartingWithFirstValue', 'serverTimezone', 'throwIf', 'timezone', 'toColumnTypeName', 'toTypeName', 'transform', 'variantElement',
  'variantType', 'version', 'visibleWidth',
]);

/** Never allowed, even where a category above would allow them: they stall a thread. */
export const REFUSED_FUNCTIONS: ReadonlySet<string> = new Set(['sleep', 'sleepEachRow']);

/**
 * Names the parser produces for syntax (`x -> …`, `EXISTS (…)`, and `_CAST(value, 'Type')` for a
 * substituted `{name:Type}` query parameter), some not listed in system.functions.
 */
export const SYNTAX_FUNCTIONS: ReadonlySet<string> = new Set(['lambda', 'exists', '_CAST']);

/** Aggregate combinator suffixes (system.aggregate_function_combinators), longest first. */
export const AGGREGATE_COMBINATORS: readonly string[] = ['SimpleState', 'MergeState', 'OrDefault', 'Resample', 'Distinct', 'ForEach', 'ArgMin', 'ArgMax', 'OrNull', 'State', 'Merge', 'Array', 'Tuple', 'Map', 'If'];

/** Table functions that generate rows or wrap a sub-query (whose own functions are checked too). */
export const ALLOWED_TABLE_FUNCTIONS: ReadonlySet<string> = new Set(['numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'values', 'generateSeries', 'generate_series', 'generateRandom', 'null', 'view', 'viewIfPermitted']);

/**
 * `system` tables a client needs to browse the schema (Grafana's plugin lists databases, tables
 * and columns; its editor lists functions), plus `parts` for the storage-per-day health query.
 * Not `processes` / `query_log` (other users' query texts), not `users`, `settings`, `build_options`…
 */
export const ALLOWED_SYSTEM_TABLES: ReadonlySet<string> = new Set(['one', 'databases', 'tables', 'columns', 'parts', 'functions', 'table_functions', 'data_type_families', 'time_zones']);

/** Output formats (`FORMAT x`, `default_format=x`). Not Template/Protobuf/CapnProto: they read schema files. */
export const ALLOWED_OUTPUT_FORMATS: ReadonlySet<string> = new Set([
  'TabSeparated', 'TabSeparatedRaw', 'TabSeparatedWithNames', 'TabSeparatedWithNamesAndTypes', 'TabSeparatedRawWithNames', 'TabSeparatedRawWithNamesAndTypes',
  'TSV', 'TSVRaw', 'TSVWithNames', 'TSVWithNamesAndTypes', 'TSVRawWithNames', 'TSVRawWithNamesAndTypes',
  'CSV', 'CSVWithNames', 'CSVWithNamesAndTypes', 'JSON', 'JSONStrings', 'JSONCompact', 'JSONCompactStrings', 'JSONColumns', 'JSONCompactColumns',
  'JSONEachRow', 'JSONStringsEachRow', 'JSONCompactEachRow', 'JSONCompactEachRowWithNames', 'JSONCompactEachRowWithNamesAndTypes',
  'JSONCompactStringsEachRow', 'JSONCompactStringsEachRowWithNames', 'JSONCompactStringsEachRowWithNamesAndTypes', 'JSONObjectEachRow', 'NDJSON', 'JSONLines',
  'Native', 'RowBinary', 'RowBinaryWithNames', 'RowBinaryWithNamesAndTypes', 'Values', 'Vertical', 'Pretty', 'PrettyCompact',
  'PrettyCompactMonoBlock', 'PrettyNoEscapes', 'PrettySpace', 'Markdown', 'XML', 'Parquet', 'Arrow', 'ArrowStream', 'ORC', 'Null',
]);

/**
 * Settings a reader may send as URL parameters (applied before the reader limits, which are set
 * after them and then locked with readonly = 1, so a `max_*` here can only be overridden).
 * Nothing naming a schema, template, file, path or URL: those make the engine read or write files.
 */
export function readerSettingAllowed(name: string): boolean {
  if (/schema|template|file|path|url|s3|hdfs|azure|remote|dictionar|introspection|readonly|profile|user/i.test(name)) return false;
  return /^(output_format_|format_csv_|format_tsv_|date_time_|join_|max_|min_|timeout_|result_overflow_mode$|read_overflow_mode$|group_by_overflow_mode$|sort_overflow_mode$|extremes$|totals_mode$|session_timezone$|use_query_cache$|query_cache_|optimize_|allow_experimental_analyzer$|enable_analyzer$|prefer_column_name_to_alias$|aggregate_functions_null_for_empty$|cast_keep_nullable$|transform_null_in$|union_default_mode$|joined_subquery_requires_alias$|log_comment$|final$|do_not_merge_across_partitions_select_final$|use_skip_indexes$|force_index_by_date$|force_primary_key$)/.test(name);
}
