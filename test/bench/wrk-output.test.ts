import { describe, expect, it } from 'vitest';
import { readWrkOutput } from '../../src/bench/wrk';

const output = `Running 2s test @ http://127.0.0.1:18081/hello
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.29ms    1.81ms  10.03ms   66.50%
    Req/Sec   185.15     16.62   202.00     87.99%
  Latency Distribution
     50%  615.00us
     75%    1.12ms
     90%    3.86ms
     99%    9.52ms
  369 requests in 2.01s, 44.68KB read
  Non-2xx or 3xx responses: 4
Requests/sec:    183.89
Transfer/sec:     22.27KB
`;

describe('wrk output', () => {
  it('reads the percentiles from their own lines, not from a +/- Stdev column ending in 50% or 99%', () => {
    expect(readWrkOutput(output)).toEqual({ rps: 183.89, p50: 0.615, p99: 9.52, non2xx: 4, ok: 365 });
  });
});
