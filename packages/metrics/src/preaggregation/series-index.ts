import type { Attributes, AttributeValue } from '@opentelemetry/api';

/** Slot of the `otel.metric.overflow=true` series, which exists before any other series. */
export const OVERFLOW_SLOT = 0;

/** Attributes of the overflow series, as the OpenTelemetry metrics SDK specification names them. */
export const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ 'otel.metric.overflow': true });

/** Number of keys that get a bit in the shape mask. Further keys take the slower string-key path. */
const MAX_MASK_BITS = 31;

/** Upper bound on distinct attribute keys per instrument, so odd keys cannot grow memory. */
const MAX_KEYS = 1_024;

/** Size of the ring of recently looked-up attributes objects, which is checked by identity. */
const RECENT_OBJECTS = 8;

/** Every how many lookups by value the looked-up object is remembered for identity hits. */
const REMEMBER_EVERY = 8;

type TrieNode = Map<unknown, TrieNode | number>;

/** The sorted key list of one set of attribute keys, with the value trie of its series. */
interface Shape {
  keys: string[];
  root: TrieNode;
}

/** Attribute keys to keep or drop, already as sets. */
export interface AttributeFilter {
  keep: ReadonlySet<string> | undefined;
  drop: ReadonlySet<string> | undefined;
}

/**
 * Maps attribute sets to series slots without building a string per lookup.
 *
 * A lookup walks the keys of the attributes object once and ORs one bit per key into a mask,
 * which does not depend on the key order. The mask selects a shape (the sorted key list) and
 * the values are then looked up level by level in a trie of `Map`s, so no string or array is
 * built. A reused attributes object is cheaper still: the last object, the objects in a small
 * ring of recent lookups and the objects found there again (kept in a WeakMap) map to their
 * slot by identity. An identity hit on an object that is not frozen is checked
 * against the stored keys and values, so an object changed in place still lands in the right
 * series. A frozen object cannot change, so it skips that check.
 */
export class SeriesIndex {
  /** Exported attributes per slot, where slot 0 is the overflow series. */
  readonly attributes: Attributes[] = [OVERFLOW_ATTRIBUTES];

  /** Number of slots in use, including the overflow slot. */
  size = 1;

  /** Measurements that went to the overflow series because their keys exceeded `MAX_KEYS`. */
  keyLimitHits = 0;

  private readonly keysBySlot: string[][] = [[]];
  private readonly valuesBySlot: unknown[][] = [[]];
  private readonly keyBits = new Map<string, number>();
  private readonly shapes = new Map<number, Shape>();
  private readonly stringKeys = new Map<string, number>();
  private readonly identity = new WeakMap<object, number>();
  private readonly recentObjects: (object | undefined)[] = new Array(RECENT_OBJECTS).fill(
    undefined,
  );
  private readonly recentSlots = new Int32Array(RECENT_OBJECTS);
  /** Per ring entry: -1 not checked yet, 0 not frozen, 1 frozen. */
  private readonly recentFrozen = new Int8Array(RECENT_OBJECTS).fill(-1);
  private readonly recentPromoted = new Uint8Array(RECENT_OBJECTS);
  private recentNext = 0;
  private rememberCountdown = 0;
  private lastObject: object | undefined;
  private lastSlot = 0;
  /** -1 not checked yet, 0 not frozen, 1 frozen. */
  private lastFrozen = -1;
  private orderKeys: string[] = [];
  private orderBits: number[] = [];
  private orderSorted: number[] = [];
  private orderShape: Shape | undefined;
  private readonly scratchValues: unknown[] = new Array(MAX_MASK_BITS).fill(undefined);
  private readonly orderKeysBySlot: string[][] = [[]];
  private readonly orderValuesBySlot: unknown[][] = [[]];
  private lastMask = -1;
  private lastShape: Shape | undefined;
  private emptySlot = -1;
  private nextBit = 0;
  private readonly filtered: boolean;

  /**
   * @param limit maximum number of series besides the overflow series
   * @param filter attribute keys to keep or drop
   * @param onCreate called with each new slot before it is returned
   */
  constructor(
    private readonly limit: number,
    private readonly filter: AttributeFilter,
    private readonly onCreate: (slot: number) => void,
  ) {
    this.filtered = filter.keep !== undefined || filter.drop !== undefined;
  }

  /** Number of series without the overflow series. */
  get seriesCount(): number {
    return this.size - 1;
  }

  /** Returns the slot of `attributes`, creating it while the limit allows, else the overflow slot. */
  slotFor(attributes: Attributes | undefined): number {
    if (attributes === this.lastObject && attributes !== undefined) {
      // A frozen object cannot change, so its identity alone selects the series.
      if (this.lastFrozen < 0) this.lastFrozen = Object.isFrozen(attributes) ? 1 : 0;
      if (this.lastFrozen === 1 || this.matches(attributes, this.lastSlot)) return this.lastSlot;
    }

    if (attributes === undefined || attributes === null || typeof attributes !== 'object') {
      return this.emptyAttributesSlot();
    }

    const recent = this.recentObjects;
    let recentIndex = -1;
    for (let i = 0; i < RECENT_OBJECTS; i++) {
      if (recent[i] !== attributes) continue;

      recentIndex = i;
      const slot = this.recentSlots[i]!;
      if (this.recentFrozen[i]! < 0) this.recentFrozen[i] = Object.isFrozen(attributes) ? 1 : 0;
      const frozen = this.recentFrozen[i]!;
      if (frozen === 1 || this.matches(attributes, slot)) {
        // A reused object also goes into the WeakMap, so it stays cached after leaving the ring.
        if (this.recentPromoted[i] === 0) {
          this.recentPromoted[i] = 1;
          this.identity.set(attributes, frozen === 1 ? ~slot : slot);
        }
        this.setLast(attributes, slot, frozen);
        return slot;
      }
      break;
    }

    const cached = this.identity.get(attributes);
    if (cached !== undefined) {
      // Frozen objects are stored as the bitwise complement of the slot, which is negative.
      const frozen = cached < 0;
      const slot = frozen ? ~cached : cached;
      if (frozen || this.matches(attributes, slot)) {
        this.setLast(attributes, slot, frozen ? 1 : 0);
        return slot;
      }
    }

    const slot = this.lookup(attributes);
    if (slot === OVERFLOW_SLOT) return slot;

    if (cached !== undefined) this.identity.set(attributes, slot);

    // Storing a fresh object literal in these long-lived caches costs a write barrier each
    // time, so only every REMEMBER_EVERY-th lookup by value (and every one for an object the
    // caches know already) is remembered. A reused object gets into the caches within that
    // many lookups.
    if (recentIndex >= 0 || --this.rememberCountdown <= 0) {
      this.rememberCountdown = REMEMBER_EVERY;
      this.setLast(attributes, slot, -1);
      this.rememberRecent(recentIndex, attributes, slot);
    }
    return slot;
  }

  /** Tells whether `attributes` still contains the keys and values stored for `slot`. */
  private matches(attributes: Attributes, slot: number): boolean {
    if (this.filtered) return this.matchesByKey(attributes, slot);

    // Fast check in the key order of the object that created the series: for..in with
    // positional compares avoids a keyed property load per key.
    const keys = this.orderKeysBySlot[slot]!;
    const values = this.orderValuesBySlot[slot]!;
    let position = 0;
    for (const key in attributes) {
      const value = attributes[key];
      if (value === undefined || value === null) continue;
      if (key !== keys[position] || value !== values[position]) {
        return this.matchesByKey(attributes, slot);
      }
      position++;
    }
    return position === keys.length;
  }

  /** Checks `attributes` against `slot` key by key, in any key order. */
  private matchesByKey(attributes: Attributes, slot: number): boolean {
    const keys = this.keysBySlot[slot]!;
    const values = this.valuesBySlot[slot]!;

    for (let i = 0; i < keys.length; i++) {
      if (attributes[keys[i]!] !== values[i]) return false;
    }

    // Equal values on the stored keys are not enough: a key added in place is a new series.
    let count = 0;
    for (const key in attributes) {
      const value = attributes[key];
      if (value === undefined || value === null) continue;
      if (this.filtered && !this.isKept(key)) continue;
      count++;
    }
    return count === keys.length;
  }

  private setLast(attributes: Attributes, slot: number, frozen: number): void {
    this.lastObject = attributes;
    this.lastSlot = slot;
    this.lastFrozen = frozen;
  }

  /**
   * Stores `attributes` in the ring of recently looked-up objects, at `index` when it is there
   * already. Whether it is frozen is found out on its first identity hit, so a fresh object
   * literal costs no `Object.isFrozen` call.
   */
  private rememberRecent(index: number, attributes: Attributes, slot: number): void {
    let target = index;
    if (target < 0) {
      target = this.recentNext;
      this.recentNext = (this.recentNext + 1) % RECENT_OBJECTS;
      this.recentPromoted[target] = 0;
      this.recentFrozen[target] = -1;
    }
    this.recentObjects[target] = attributes;
    this.recentSlots[target] = slot;
  }

  private isKept(key: string): boolean {
    if (this.filter.keep !== undefined && !this.filter.keep.has(key)) return false;
    return this.filter.drop === undefined || !this.filter.drop.has(key);
  }

  private emptyAttributesSlot(): number {
    if (this.emptySlot >= 0) return this.emptySlot;

    const slot = this.createSlot([], []);
    if (slot !== OVERFLOW_SLOT) this.emptySlot = slot;
    return slot;
  }

  /** Finds the slot by value through the shape mask and the value trie. */
  private lookup(attributes: Attributes): number {
    let mask = 0;
    let count = 0;
    let needsStringKey = false;
    let position = 0;
    let sameOrder = true;
    const orderKeys = this.orderKeys;
    const orderBits = this.orderBits;
    const orderSorted = this.orderSorted;
    const values = this.scratchValues;

    for (const key in attributes) {
      const value = attributes[key];
      if (value === undefined || value === null) continue;

      // Objects from one call site enumerate their keys in the same order, so the key order
      // of the previous lookup usually applies. It gives the bit and the sorted position of
      // each key without a Map lookup, and this loop collects the values in sorted order.
      let bit: number | undefined;
      if (sameOrder && key === orderKeys[position]) {
        bit = orderBits[position]!;
        const index = orderSorted[position]!;
        if (index >= 0) values[index] = value;
      } else {
        sameOrder = false;
        bit = this.keyBits.get(key);
        if (bit === undefined) {
          bit = this.registerKey(key);
          if (bit === undefined) {
            this.keyLimitHits++;
            return OVERFLOW_SLOT;
          }
        }
      }
      position++;
      if (bit < 0) continue;

      if (bit >= MAX_MASK_BITS || typeof value === 'object') needsStringKey = true;
      else mask |= 1 << bit;
      count++;
    }

    const orderValid = sameOrder && position === orderKeys.length;
    if (count === 0 || needsStringKey) {
      if (!orderValid) this.rememberKeyOrder(attributes, undefined);
      return count === 0 ? this.emptyAttributesSlot() : this.lookupByString(attributes);
    }

    let shape = this.lastShape;
    if (mask !== this.lastMask || shape === undefined) {
      shape = this.shapes.get(mask);
      if (shape === undefined) shape = this.createShape(mask, attributes);
      this.lastMask = mask;
      this.lastShape = shape;
    }

    const keys = shape.keys;
    const last = keys.length - 1;
    let node = shape.root;

    if (!orderValid || this.orderShape !== shape) {
      this.rememberKeyOrder(attributes, shape);
      for (let i = 0; i < keys.length; i++) values[i] = attributes[keys[i]!];
    }

    for (let i = 0; i < last; i++) {
      const next = node.get(values[i]) as TrieNode | undefined;
      if (next === undefined) return this.insert(shape, attributes);
      node = next;
    }

    const slot = node.get(values[last]) as number | undefined;
    return slot === undefined ? this.insert(shape, attributes) : slot;
  }

  /**
   * Stores the key order of `attributes` with the bit and the position in `shape.keys` of each
   * key, for the next lookup. All keys are registered already.
   */
  private rememberKeyOrder(attributes: Attributes, shape: Shape | undefined): void {
    const keys: string[] = [];
    const bits: number[] = [];
    const sorted: number[] = [];
    for (const key in attributes) {
      const value = attributes[key];
      if (value === undefined || value === null) continue;

      const bit = this.keyBits.get(key)!;
      const index = shape === undefined || bit < 0 ? -1 : shape.keys.indexOf(key);
      keys.push(key);
      bits.push(bit);
      sorted.push(index);
    }
    this.orderKeys = keys;
    this.orderBits = bits;
    this.orderSorted = sorted;
    this.orderShape = shape;
  }

  /** Assigns a mask bit to a kept key and -1 to a filtered key. Returns undefined at `MAX_KEYS` keys. */
  private registerKey(key: string): number | undefined {
    if (this.keyBits.size >= MAX_KEYS) return undefined;

    const bit = this.isKept(key) ? this.nextBit++ : -1;
    this.keyBits.set(key, bit);
    return bit;
  }

  private createShape(mask: number, attributes: Attributes): Shape {
    const keys: string[] = [];
    for (const key in attributes) {
      const bit = this.keyBits.get(key);
      const value = attributes[key];
      if (bit !== undefined && bit >= 0 && value !== undefined && value !== null) keys.push(key);
    }
    keys.sort();

    const shape: Shape = { keys, root: new Map() };
    this.shapes.set(mask, shape);
    return shape;
  }

  /** Creates the series for `attributes` in `shape`, or returns the overflow slot when full. */
  private insert(shape: Shape, attributes: Attributes): number {
    if (this.size > this.limit) return OVERFLOW_SLOT;

    const keys = shape.keys;
    const values = keys.map((key) => attributes[key]);
    const slot = this.createSlot(keys, values);
    if (slot === OVERFLOW_SLOT) return slot;

    const orderKeys: string[] = [];
    const orderValues: unknown[] = [];
    for (const key in attributes) {
      const value = attributes[key];
      if (value === undefined || value === null) continue;
      orderKeys.push(key);
      orderValues.push(value);
    }
    this.orderKeysBySlot[slot] = orderKeys;
    this.orderValuesBySlot[slot] = orderValues;

    let node = shape.root;
    for (let i = 0; i < keys.length - 1; i++) {
      let next = node.get(values[i]) as TrieNode | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(values[i], next);
      }
      node = next;
    }
    node.set(values[keys.length - 1], slot);
    return slot;
  }

  /** Lookup for array values and for keys beyond the mask bits: a canonical string key. */
  private lookupByString(attributes: Attributes): number {
    const keys: string[] = [];
    for (const key in attributes) {
      const bit = this.keyBits.get(key);
      const value = attributes[key];
      if (bit !== undefined && bit >= 0 && value !== undefined && value !== null) keys.push(key);
    }
    keys.sort();

    const values = keys.map((key) => copyValue(attributes[key]!));
    const stringKey = JSON.stringify([keys, values]);
    const existing = this.stringKeys.get(stringKey);
    if (existing !== undefined) return existing;

    const slot = this.createSlot(keys, values);
    if (slot !== OVERFLOW_SLOT) this.stringKeys.set(stringKey, slot);
    return slot;
  }

  private createSlot(keys: string[], values: unknown[]): number {
    if (this.size > this.limit) return OVERFLOW_SLOT;

    const slot = this.size++;
    const exported: Attributes = {};
    for (let i = 0; i < keys.length; i++) {
      exported[keys[i]!] = values[i] as AttributeValue;
    }
    this.attributes.push(Object.freeze(exported));
    this.keysBySlot.push(keys);
    this.valuesBySlot.push(values);
    this.orderKeysBySlot.push(keys);
    this.orderValuesBySlot.push(values);
    this.onCreate(slot);
    return slot;
  }
}

function copyValue(value: AttributeValue): AttributeValue {
  return Array.isArray(value) ? (Object.freeze(value.slice()) as AttributeValue) : value;
}
