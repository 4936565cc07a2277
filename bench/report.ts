/**
 * The one table of a bench run: each figure beside its floor, the ratio,
 * the target and whether it is met. It prints as a Markdown table laid
 * out the way Biome formats one, so the README's Performance section can
 * hold it exactly as printed and `biome check` leaves it alone.
 */

export interface Row {
  /** Bench section, "1" to "5". */
  section: string;
  figure: string;
  measured: number;
  /**
   * What the figure is compared against, in `unit`, measured in the same
   * run (each row's floor is described in the README); null when the
   * figure has no measured floor.
   */
  floor: number | null;
  /** `measured / floor`; null without a floor or when the floor is 0. */
  ratio: number | null;
  unit: string;
  /** Null when the row is context only. */
  target: string | null;
  /** Null when the row has no target. */
  isMet: boolean | null;
}

/** A row's fields; the ratio follows from them. */
export type RowFields = Omit<Row, "ratio" | "target" | "isMet"> &
  Partial<Pick<Row, "target" | "isMet">>;

/** Shown in a cell with nothing to show: no floor, ratio or target. */
const NONE = "—";

/**
 * From this many milliseconds up a duration prints in seconds, as the
 * targets and the README write long waits.
 */
const SECONDS_FROM_MS = 10_000;

/** A row with its ratio, its fields in table order for results.json. */
export function makeRow(fields: RowFields): Row {
  const { measured, floor } = fields;
  return {
    section: fields.section,
    figure: fields.figure,
    measured,
    floor,
    ratio: floor === null || floor === 0 ? null : measured / floor,
    unit: fields.unit,
    target: fields.target ?? null,
    isMet: fields.isMet ?? null,
  };
}

function formatValue(value: number | null, unit: string): string {
  if (value === null) return NONE;
  if (Number.isNaN(value)) return "n/a";
  if (unit === "ms" && Math.abs(value) >= SECONDS_FROM_MS) {
    return formatValue(value / 1000, "s");
  }
  const size = Math.abs(value);
  const digits = size >= 100 ? 0 : size >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

function cellsOf(row: Row): string[] {
  return [
    row.section,
    row.figure,
    formatValue(row.measured, row.unit),
    formatValue(row.floor, row.unit),
    row.ratio === null ? NONE : `${row.ratio.toFixed(2)}×`,
    row.target ?? NONE,
    row.isMet === null ? "" : row.isMet ? "yes" : "NO",
  ];
}

/** The table as Markdown, every column padded to its widest cell. */
export function formatTable(rows: readonly Row[]): string {
  const header = ["#", "figure", "measured", "floor", "ratio", "target", "met"];
  const lines = rows.map(cellsOf);
  // Biome draws a separator of at least three dashes.
  const widths = header.map((title, column) =>
    Math.max(
      3,
      title.length,
      ...lines.map((line) => (line[column] ?? "").length),
    ),
  );
  const render = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
  const rule = widths.map((width) => "-".repeat(width));
  return [header, rule, ...lines].map(render).join("\n");
}
