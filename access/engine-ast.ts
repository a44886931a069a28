/**
 * ClickHouse's own parse of a statement (`EXPLAIN AST`), read into a tree.
 *
 * The text form prints one node per line, indented one space per level, with `(children N)`
 * after a node that has children. Names are printed unquoted, so a backquoted name holding a
 * newline can print extra lines: the reader checks that every line has the indentation and
 * child count the tree implies, and refuses (returns null) when it does not, rather than guess.
 */

export interface AstNode {
  /** The node kind: SelectQuery, Function, TableIdentifier, Literal, … */
  readonly kind: string;
  /** The rest of the line after the kind, without `(children N)`: `file`, `otel.otel_traces (alias t)`, … */
  readonly text: string;
  readonly children: readonly AstNode[];
}

const CHILDREN = / \(children (\d+)\)$/;
const LINE = /^( *)([A-Za-z_][A-Za-z0-9_]*)(?: (.*))?$/;

interface Parsed {
  depth: number;
  kind: string;
  text: string;
  expected: number;
}

/** The tree of `EXPLAIN AST` output, or null when the text does not read as one well-formed tree. */
export function parseExplainAst(output: string): AstNode | null {
  const lines = output.replace(/\n+$/, '').split('\n');
  const parsed: Parsed[] = [];
  for (const line of lines) {
    const count = CHILDREN.exec(line);
    const m = LINE.exec(count ? line.slice(0, count.index) : line);
    if (!m) return null;
    parsed.push({ depth: m[1]!.length, kind: m[2]!, text: (m[3] ?? '').trim(), expected: count ? Number(count[1]) : 0 });
  }
  let i = 0;
  const read = (depth: number): AstNode | null => {
    const p = parsed[i];
    if (!p || p.depth !== depth) return null;
    i++;
    const children: AstNode[] = [];
    for (let c = 0; c < p.expected; c++) {
      const child = read(depth + 1);
      if (!child) return null;
      children.push(child);
    }
    return { kind: p.kind, text: p.text, children };
  };
  const root = read(0);
  return root && i === parsed.length ? root : null;
}

/** Every node of the tree, parents before children, each with its parent. */
export function* walk(node: AstNode, parent: AstNode | null = null): Generator<{ node: AstNode; parent: AstNode | null }> {
  yield { node, parent };
  for (const child of node.children) yield* walk(child, node);
}
