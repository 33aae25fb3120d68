/** One problem of a trace: where it is and what is wrong (lib/simulate/trace.ts reports them all at once). */
export interface TraceIssue {
  /** "line 4, nodes" or "jobs[3].nodes". */
  where: string;
  message: string;
}
