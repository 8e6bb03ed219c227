/**
 * Max-heap of (id, key) on typed arrays. Ties: lower id first, which makes every greedy that
 * uses it deterministic.
 */
// Index reads end in `!` (type-only): every slot read is below `size`, within the arrays.
export class BinaryMaxHeap {
  private ids: Int32Array;
  private keys: Float64Array;
  size = 0;

  constructor(initialCapacity = 16) {
    this.ids = new Int32Array(Math.max(1, initialCapacity));
    this.keys = new Float64Array(Math.max(1, initialCapacity));
  }

  private better(a: number, b: number): boolean {
    const ka = this.keys[a]!;
    const kb = this.keys[b]!;
    return ka > kb || (ka === kb && this.ids[a]! < this.ids[b]!);
  }

  private swap(a: number, b: number): void {
    const id = this.ids[a]!;
    this.ids[a] = this.ids[b]!;
    this.ids[b] = id;
    const key = this.keys[a]!;
    this.keys[a] = this.keys[b]!;
    this.keys[b] = key;
  }

  push(id: number, key: number): void {
    if (this.size === this.ids.length) {
      const ids = new Int32Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
      const keys = new Float64Array(this.keys.length * 2);
      keys.set(this.keys);
      this.keys = keys;
    }
    let i = this.size;
    this.size += 1;
    this.ids[i] = id;
    this.keys[i] = key;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.better(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  topKey(): number {
    return this.size > 0 ? this.keys[0]! : Number.NEGATIVE_INFINITY;
  }

  topId(): number {
    return this.size > 0 ? this.ids[0]! : -1;
  }

  pop(): number {
    const top = this.ids[0]!;
    this.size -= 1;
    if (this.size > 0) {
      this.ids[0] = this.ids[this.size]!;
      this.keys[0] = this.keys[this.size]!;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= this.size) break;
        const right = left + 1;
        const child = right < this.size && this.better(right, left) ? right : left;
        if (!this.better(child, i)) break;
        this.swap(i, child);
        i = child;
      }
    }
    return top;
  }
}
