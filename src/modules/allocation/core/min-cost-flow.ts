/**
 * Min-cost flow by successive shortest paths with Johnson potentials: Bellman–Ford once (costs
 * may be negative), then Dijkstra on reduced costs for every augmentation. Augmenting along a
 * shortest path keeps the flow optimal for its value, so the final flow is a min-cost flow.
 */
// Index reads end in `!` (type-only): node ids are below n and arc ids below to.length, the arrays' sizes.

export interface FlowArc {
  from: number;
  to: number;
  capacity: number;
  cost: number;
}

export interface MinCostFlowResult {
  feasible: boolean;
  cost: number;
  /** flow on each input arc, in input order */
  flows: number[];
  /** units shipped from supplies to demands */
  shipped: number;
}

/** supplies[i] > 0 is supply, < 0 is demand; balanced or not, ships as much as it can. */
export function minCostFlow(
  nodeCount: number,
  arcs: readonly FlowArc[],
  supplies: readonly number[],
): MinCostFlowResult {
  const source = nodeCount;
  const sink = nodeCount + 1;
  const n = nodeCount + 2;
  const to: number[] = [];
  const cap: number[] = [];
  const cost: number[] = [];
  const head = new Array<number>(n).fill(-1);
  const next: number[] = [];
  const addArc = (u: number, v: number, c: number, w: number): number => {
    const id = to.length;
    to.push(v, u);
    cap.push(c, 0);
    cost.push(w, -w);
    next.push(head[u]!, head[v]!);
    head[u] = id;
    head[v] = id + 1;
    return id;
  };
  const arcIds = arcs.map((a) => addArc(a.from, a.to, a.capacity, a.cost));
  let required = 0;
  supplies.forEach((s, i) => {
    if (s > 0) {
      addArc(source, i, s, 0);
      required += s;
    } else if (s < 0) addArc(i, sink, -s, 0);
  });

  // Bellman–Ford from the source for initial potentials (handles negative arc costs).
  const potential = new Array<number>(n).fill(Number.POSITIVE_INFINITY);
  potential[source] = 0;
  for (let round = 0; round < n; round += 1) {
    let changed = false;
    for (let e = 0; e < to.length; e += 1) {
      const u = to[e ^ 1]!;
      if (cap[e]! > 0 && potential[u]! + cost[e]! < potential[to[e]!]!) {
        potential[to[e]!] = potential[u]! + cost[e]!;
        changed = true;
      }
    }
    if (!changed) break;
  }
  for (let v = 0; v < n; v += 1) if (!Number.isFinite(potential[v]!)) potential[v] = 0;

  let shipped = 0;
  let total = 0;
  const dist = new Array<number>(n);
  const parentArc = new Array<number>(n);
  const done = new Array<boolean>(n);
  for (;;) {
    dist.fill(Number.POSITIVE_INFINITY);
    parentArc.fill(-1);
    done.fill(false);
    dist[source] = 0;
    // O(V²) Dijkstra: these graphs are small; the allocator uses its own specialised solver.
    for (;;) {
      let u = -1;
      for (let v = 0; v < n; v += 1)
        if (!done[v]! && dist[v]! < Number.POSITIVE_INFINITY && (u < 0 || dist[v]! < dist[u]!)) u = v;
      if (u < 0) break;
      done[u] = true;
      for (let e = head[u]!; e >= 0; e = next[e]!) {
        if (cap[e]! <= 0) continue;
        const v = to[e]!;
        const nd = dist[u]! + cost[e]! + potential[u]! - potential[v]!;
        if (nd < dist[v]! - 1e-12) {
          dist[v] = nd;
          parentArc[v] = e;
        }
      }
    }
    if (!Number.isFinite(dist[sink]!)) break;
    for (let v = 0; v < n; v += 1) if (Number.isFinite(dist[v]!)) potential[v] += dist[v]!;
    let push = Number.POSITIVE_INFINITY;
    for (let v = sink; v !== source; v = to[parentArc[v]! ^ 1]!) push = Math.min(push, cap[parentArc[v]!]!);
    for (let v = sink; v !== source; v = to[parentArc[v]! ^ 1]!) {
      cap[parentArc[v]!] -= push;
      cap[parentArc[v]! ^ 1] += push;
      total += push * cost[parentArc[v]!]!;
    }
    shipped += push;
  }
  return { feasible: shipped === required, cost: total, flows: arcIds.map((id) => cap[id ^ 1]!), shipped };
}
