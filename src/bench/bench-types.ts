/**
 * A benchmark module measures one capability and compares each figure with a reference
 * measured in the same run (same process or machine), reported as a ratio.
 * `npm run bench` collects every module's figures into reports/bench.json and prints a table.
 */
export interface BenchFigure {
  /** e.g. "allocation.fast_plan_1000x100x500" */
  name: string;
  value: number;
  unit: string;
  /** the reference measured in the same run, if any (e.g. PostgreSQL COPY rate, bare express route) */
  reference?: { name: string; value: number; unit: string };
  /** value / reference.value (or the inverse where lower is better; say which in `note`) */
  ratio?: number;
  /** the target from the issue, e.g. "< 2 s" */
  target?: string;
  pass?: boolean;
  note?: string;
}

export interface BenchModule {
  id: string;
  run(progress: (message: string) => void): Promise<BenchFigure[]>;
}
