// Output of nexus-analyst: one report rendered as an aligned table, CSV (RFC 4180) or JSON.
import type { Format } from './args.js';

/** A ratio (0.25) shows as 25.0 % in a table and stays a raw number in CSV and JSON. */
export interface Ratio {
  ratio: number;
}
/** An amount in cents: 9.99 in a table, 999 in CSV and JSON. */
export interface Cents {
  cents: number;
}
export type Cell = string | number | null | Ratio | Cents;

export interface Series {
  label: string;
  values: number[];
}

export interface Report {
  /** A line above the table (table format only). */
  title?: string;
  columns: string[];
  rows: Cell[][];
  /** Drawn as sparklines under the table; in JSON as they are. */
  series?: Series[];
  /** What --format json prints: the graph's answer, unrounded. */
  json: unknown;
}

const BARS = '▁▂▃▄▅▆▇█';

/** One character per value, scaled from 0 (or the minimum, when negative) to the maximum. */
export function sparkline(values: readonly number[]): string {
  if (!values.length) return '';
  const low = Math.min(0, ...values);
  const high = Math.max(...values);
  const span = high - low;
  return values
    .map((value) => (span === 0 ? BARS[0] : BARS[Math.round(((value - low) / span) * (BARS.length - 1))]))
    .join('');
}

const isRatio = (cell: Cell): cell is Ratio => typeof cell === 'object' && cell !== null && 'ratio' in cell;
const isCents = (cell: Cell): cell is Cents => typeof cell === 'object' && cell !== null && 'cents' in cell;

/** The cell as a person reads it. */
export function display(cell: Cell): string {
  if (cell === null) return '';
  if (isRatio(cell)) return `${(cell.ratio * 100).toFixed(1)} %`;
  if (isCents(cell)) return (cell.cents / 100).toFixed(2);
  if (typeof cell === 'number') return Number.isInteger(cell) ? String(cell) : cell.toFixed(2);
  return cell;
}

/** The cell as a program reads it. */
function raw(cell: Cell): string | number | null {
  if (isRatio(cell)) return cell.ratio;
  if (isCents(cell)) return cell.cents;
  return cell;
}

const numeric = (cell: Cell) => typeof cell === 'number' || isRatio(cell) || isCents(cell);

export function renderTable(report: Report): string {
  const lines: string[] = [];
  if (report.title) lines.push(report.title);
  const shown = report.rows.map((row) => report.columns.map((_, i) => display(row[i] ?? null)));
  const widths = report.columns.map((column, i) => Math.max(column.length, ...shown.map((row) => [...row[i]!].length)));
  // Numbers right-aligned (units line up), text left-aligned; a column is numeric when its first filled cell is.
  const right = report.columns.map((_, i) => {
    const first = report.rows.find((row) => row[i] !== null && row[i] !== undefined)?.[i];
    return first !== undefined && first !== null && numeric(first);
  });
  const pad = (text: string, i: number) => {
    const gap = ' '.repeat(widths[i]! - [...text].length);
    return right[i] ? gap + text : text + gap;
  };
  const line = (cells: string[]) => cells.map(pad).join('  ').trimEnd();
  lines.push(line(report.columns));
  lines.push(line(widths.map((width) => '-'.repeat(width))));
  for (const row of shown) lines.push(line(row));
  if (report.series?.length) {
    lines.push('');
    const labelWidth = Math.max(...report.series.map((series) => series.label.length));
    for (const series of report.series) {
      const total = series.values.reduce((sum, value) => sum + value, 0);
      const peak = series.values.length ? Math.max(...series.values) : 0;
      lines.push(`${series.label.padEnd(labelWidth)}  ${sparkline(series.values)}  total ${total}, peak ${peak}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled; CRLF line ends. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function renderCsv(report: Report): string {
  const rows = [report.columns, ...report.rows.map((row) => report.columns.map((_, i) => raw(row[i] ?? null)))];
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export function render(report: Report, format: Format): string {
  if (format === 'csv') return renderCsv(report);
  if (format === 'json') return `${JSON.stringify(report.json, null, 2)}\n`;
  return renderTable(report);
}
