/** A small seeded PRNG (sfc32 seeded by splitmix32) so the demo is the same for the same seed. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** [0, 1) */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items[items.length - 1]![0];
  }

  /** Lowercase hex of `bytes` bytes, never all zero (OTLP rejects zero ids). */
  hex(bytes: number): string {
    let out = "";
    while (out.length < bytes * 2) out += this.uint32().toString(16).padStart(8, "0");
    out = out.slice(0, bytes * 2);
    return /^0+$/.test(out) ? this.hex(bytes) : out;
  }

  /** Roughly normal around `mean` (sum of uniforms), clamped to [min, max], rounded. */
  around(mean: number, spread: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const z = (this.next() + this.next() + this.next() - 1.5) / 1.5;
    return Math.round(Math.min(max, Math.max(min, mean + z * spread)));
  }
}
