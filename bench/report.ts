/**
 * The one table of a bench run: each figure beside its floor, the ratio,
 * the target and whether it is met.
 */

export interface Row {
  section: string;
  figure: string;
  measured: number;
  floor: number | undefined;
  unit: string;
  target: string;
  /** Undefined when the row has no target (context only). */
  isMet: boolean | undefined;
}

/** Ratio measured / floor, or undefined without a floor. */
export function ratioOf(row: Row): number | undefined {
  if (row.floor === undefined || row.floor === 0) return undefined;
  return row.measured / row.floor;
}

function formatNumber(value: number | undefined, unit: string): string {
  if (value === undefined) return "-";
  if (Number.isNaN(value)) return "n/a";
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`.trim();
}

/** The table as fixed-width text. */
export function formatTable(rows: readonly Row[]): string {
  const header = ["#", "figure", "measured", "floor", "ratio", "target", "met"];
  const lines = rows.map((row) => {
    const ratio = ratioOf(row);
    return [
      row.section,
      row.figure,
      formatNumber(row.measured, row.unit),
      formatNumber(row.floor, row.unit),
      ratio === undefined ? "-" : `${ratio.toFixed(2)}×`,
      row.target,
      row.isMet === undefined ? "" : row.isMet ? "yes" : "NO",
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => (line[column] ?? "").length)),
  );
  const render = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  return [render(header), rule, ...lines.map(render)].join("\n");
}
