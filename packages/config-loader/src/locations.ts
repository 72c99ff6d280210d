import { type Node as JsonNode, parseTree } from 'jsonc-parser';
import type { Origin } from './raw.ts';

/**
 * Lines and columns of values in the files read, worked out only when a problem or warning needs one: the happy path
 * never builds a syntax tree.
 */
export class Locations {
  readonly #texts: ReadonlyMap<string, string>;
  readonly #trees = new Map<string, JsonNode | undefined>();
  readonly #lineStarts = new Map<string, number[]>();

  constructor(texts: ReadonlyMap<string, string>) {
    this.#texts = texts;
  }

  /** 1-based line and column of an origin in a file; `undefined` for environment variables. */
  position(origin: Origin): { line: number; column: number } | undefined {
    if (origin.kind !== 'file') return undefined;
    const offset = origin.offset ?? this.#offsetOf(origin.file, origin.path);
    if (offset === undefined) return undefined;
    const starts = this.#starts(origin.file);
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - starts[low]! + 1 };
  }

  /**
   * The offset of the value at `path` (keys matched case-insensitively): of its key for a property, so the line is
   * the one that names it; of the nearest enclosing value when the path goes further than the file.
   */
  #offsetOf(file: string, path: readonly (string | number)[]): number | undefined {
    const tree = this.#tree(file);
    if (!tree) return undefined;
    let node: JsonNode = tree;
    let offset = node.offset;
    for (const segment of path) {
      if (node.type === 'array' && typeof segment === 'number') {
        const item: JsonNode | undefined = node.children?.[segment];
        if (!item) break;
        node = item;
        offset = item.offset;
      } else if (node.type === 'object') {
        const lower = String(segment).toLowerCase();
        const property: JsonNode | undefined = node.children?.findLast(
          (p) => String(p.children?.[0]?.value).toLowerCase() === lower,
        );
        const value: JsonNode | undefined = property?.children?.[1];
        if (!property || !value) break;
        node = value;
        offset = property.offset;
      } else break;
    }
    return offset;
  }

  #tree(file: string): JsonNode | undefined {
    if (!this.#trees.has(file)) {
      const text = this.#texts.get(file);
      this.#trees.set(
        file,
        text === undefined
          ? undefined
          : parseTree(text, [], { allowTrailingComma: true, disallowComments: false }),
      );
    }
    return this.#trees.get(file);
  }

  #starts(file: string): number[] {
    let starts = this.#lineStarts.get(file);
    if (!starts) {
      starts = [0];
      const text = this.#texts.get(file) ?? '';
      for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
      this.#lineStarts.set(file, starts);
    }
    return starts;
  }
}
