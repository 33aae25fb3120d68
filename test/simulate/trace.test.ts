import { describe, expect, it } from 'vitest';
import { parseTrace, parseTraceFile, TraceError } from '../../lib/simulate';

function issuesOf(text: string, format?: 'csv' | 'json'): string[] {
  try {
    parseTraceFile(text, format === undefined ? {} : { format });
  } catch (error) {
    if (error instanceof TraceError) return error.issues.map((issue) => `${issue.where}: ${issue.message}`);
    throw error;
  }
  throw new Error('the trace was accepted');
}

describe('parseTrace (CSV)', () => {
  it('reads the columns in any order and case, skipping comments and blank lines, sorted by arrival', () => {
    const jobs = parseTrace(
      '# exported from the scheduler\nFlavor,RUNTIME,nodes,arrival,az,id\n\ngpu,600,2,90,cn-north-7a,late\ngpu,30.5,1,0,,early\n',
    );
    expect(jobs).toEqual([
      { id: 'early', arrival: 0, flavor: 'gpu', nodes: 1, runTime: 30.5 },
      { id: 'late', arrival: 90, flavor: 'gpu', nodes: 2, runTime: 600, az: 'cn-north-7a' },
    ]);
  });

  it('keeps the file order of jobs arriving together and names jobs without an id by line', () => {
    const jobs = parseTrace('arrival,flavor,nodes,runTime\n5,b,1,10\n5,a,1,10\n');
    expect(jobs.map((job) => job.id)).toEqual(['line 2', 'line 3']);
  });

  it('counts ISO-8601 arrivals in seconds from the earliest one', () => {
    const jobs = parseTrace(
      'arrival,flavor,nodes,runTime\n2026-03-01T10:05:00Z,gpu,1,60\n2026-03-01T10:00:00Z,gpu,1,60\n',
    );
    expect(jobs.map((job) => job.arrival)).toEqual([0, 300]);
  });

  it('names the line and the field of every bad value, all at once', () => {
    expect(
      issuesOf('arrival,flavor,nodes,runTime\n-1,gpu,1,60\n0,,2.5,60\n0,gpu,1,0\n0,gpu,one,60\n7,gpu\n'),
    ).toEqual([
      'line 2, arrival: must be seconds from the start (>= 0) or an ISO-8601 time (got "-1")',
      'line 3, flavor: is required',
      'line 3, nodes: must be a whole number >= 1 (got "2.5")',
      'line 4, runTime: must be a number of seconds > 0 (got "0")',
      'line 5, nodes: must be a whole number >= 1 (got "one")',
      'line 6: has 2 fields, the header has 4',
    ]);
  });

  it('refuses a header with an unknown, repeated or missing column', () => {
    expect(issuesOf('arrival,flavour,nodes,nodes\n0,gpu,1,1\n')).toEqual([
      'line 1: unknown column "flavour" (columns arrival, flavor, nodes, runTime; optional az, id)',
      'line 1: column nodes is listed twice',
      'line 1: column flavor is missing',
      'line 1: column runTime is missing',
    ]);
  });

  it('refuses quoted fields, mixed arrival kinds and an empty trace', () => {
    expect(issuesOf('arrival,flavor,nodes,runTime\n0,"gpu",1,1\n')).toEqual([
      'line 2: quoted fields are not supported',
    ]);
    expect(issuesOf('arrival,flavor,nodes,runTime\n0,gpu,1,1\n2026-03-01T10:00:00Z,gpu,1,1\n')).toEqual([
      'arrival: mixes seconds and timestamps: use one kind for every job',
    ]);
    expect(issuesOf('arrival,flavor,nodes,runTime\n')).toEqual(['trace: has no jobs']);
    expect(issuesOf('# nothing\n', 'csv')).toEqual([
      'line 1: a header line is required (columns arrival, flavor, nodes, runTime; optional az, id)',
    ]);
  });

  it('names the file in the error message', () => {
    expect(() => parseTrace('arrival,flavor,nodes,runTime\n0,gpu,0,1\n', { source: 'jobs.csv' })).toThrow(
      'invalid trace jobs.csv:\n  line 2, nodes: must be a whole number >= 1 (got "0")',
    );
  });
});

describe('parseTrace (JSON)', () => {
  it('reads an array of jobs, or an object with a jobs array', () => {
    const job = { arrival: 12, flavor: 'gpu', nodes: 4, runTime: 3600, az: 'cn-north-7b' };
    expect(parseTrace(JSON.stringify([job]))).toEqual([{ id: '[0]', ...job }]);
    expect(parseTrace(JSON.stringify({ jobs: [{ ...job, id: 'j1' }] }))).toEqual([{ ...job, id: 'j1' }]);
  });

  it('names the path of every bad field', () => {
    const text = JSON.stringify({
      jobs: [
        { arrival: 0, flavor: 'gpu', nodes: '2', runTime: 60 },
        { arrival: 0, flavor: 7, nodes: 1, runTime: 60, priority: 'high' },
        'job',
      ],
    });
    expect(issuesOf(text)).toEqual([
      'jobs[0].nodes: must be a whole number >= 1 (got "2")',
      'jobs[1].priority: unknown field (fields arrival, flavor, nodes, runTime; optional az, id)',
      'jobs[1].flavor: must be a non-empty string (got 7)',
      'jobs[2]: must be an object',
    ]);
  });

  it('refuses text that is not JSON or not a list of jobs', () => {
    expect(issuesOf('{"jobs": 3}')).toEqual([
      'trace: must be an array of jobs, or an object with a "jobs" array',
    ]);
    expect(issuesOf('[{"arrival": 0,', 'json')[0]).toMatch(/^trace: is not valid JSON/);
  });
});

describe('parseTraceFile: sold-out windows', () => {
  const job = { arrival: 0, flavor: 'gpu', nodes: 1, runTime: 60 };

  it('reads soldOut windows beside the jobs, with or without a flavor, and none elsewhere', () => {
    const text = JSON.stringify({
      jobs: [job],
      soldOut: [
        { az: 'cn-north-7a', from: 3600, to: 14_400, flavor: 'gpu' },
        { az: 'cn-north-7b', from: 0, to: 60 },
      ],
    });
    expect(parseTraceFile(text).soldOut).toEqual([
      { flavor: 'gpu', az: 'cn-north-7a', from: 3600, to: 14_400 },
      { az: 'cn-north-7b', from: 0, to: 60 },
    ]);
    expect(parseTraceFile(JSON.stringify([job])).soldOut).toEqual([]);
    expect(parseTraceFile('arrival,flavor,nodes,runTime\n0,gpu,1,60\n').soldOut).toEqual([]);
  });

  it('takes ISO-8601 times when the arrivals are times, counted from the earliest arrival', () => {
    const text = JSON.stringify({
      jobs: [{ ...job, arrival: '2026-03-01T10:00:00Z' }],
      soldOut: [{ az: 'a', from: '2026-03-01T11:00:00Z', to: '2026-03-01T12:30:00Z' }],
    });
    expect(parseTraceFile(text).soldOut).toEqual([{ az: 'a', from: 3600, to: 9000 }]);
  });

  it('names every bad window field, with the jobs problems, all at once', () => {
    const text = JSON.stringify({
      jobs: [job],
      soldOut: [
        { az: 'a', from: 100, to: 50 },
        { from: -1, to: '2026-03-01T12:30:00Z', zone: 'a' },
        { az: 'a', flavor: '', from: 'soon', to: 10 },
        'a',
      ],
    });
    expect(() => parseTraceFile(text, { source: 'trace.json' })).toThrow(TraceError);
    expect(issuesOf(text)).toEqual([
      'soldOut[0].to: must be after from (from 100 s, to 50 s)',
      'soldOut[1].zone: unknown field (fields az, from, to; optional flavor)',
      'soldOut[1].az: is required',
      'soldOut[1].from: must be seconds from the start (>= 0), or an ISO-8601 time when the arrivals are (got -1)',
      `soldOut[1].to: is a time, but the jobs' arrivals are seconds: give seconds from the start (got "2026-03-01T12:30:00Z")`,
      'soldOut[2].flavor: must be a non-empty string (got "")',
      'soldOut[2].from: must be seconds from the start (>= 0), or an ISO-8601 time when the arrivals are (got "soon")',
      'soldOut[3]: must be an object ({az, from, to, flavor?})',
    ]);
    expect(issuesOf(JSON.stringify({ jobs: [job], soldOut: {} }))).toEqual([
      'soldOut: must be an array of windows ({az, from, to, flavor?})',
    ]);
  });
});
