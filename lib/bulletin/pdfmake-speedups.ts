/**
 * One hot spot of pdfmake 0.3 made cheaper, with the same results: style lookup.
 *
 * pdfmake resolves about twenty style properties for every text run (font, bold, colour, decoration,
 * link, …) through `StyleContextStack.getStyleProperty`, which pushes the run on the style stack, builds
 * two closures and walks the stack for each property: the largest single item in a bulletin's CPU
 * profile after text drawing (PERFORMANCE.md). The replacements below walk the same stack in the same
 * order and return the same values, without pushing, popping or allocating. test/unit/bulletin-render
 * compares them with pdfmake's own on generated stacks, so a pdfmake change that alters the semantics
 * fails a test rather than a bulletin.
 */
import styleContextStackModule from 'pdfmake/js/StyleContextStack.js';

type StyleItem = string | Record<string, unknown>;

export interface StyleStack {
  styleDictionary: Record<string, Record<string, unknown> | undefined>;
  defaultStyle?: Record<string, unknown>;
  styleOverrides?: StyleItem[];
  getProperty(property: string): unknown;
}

export interface StyleContextStackClass {
  prototype: StyleStack;
  getStyleProperty(item: StyleItem, stack: StyleStack | null | undefined, property: string, defaultValue: unknown): unknown;
}

export const StyleContextStack = ((styleContextStackModule as { default?: unknown }).default ?? styleContextStackModule) as StyleContextStackClass;

/** pdfmake's own implementations, kept for the equivalence test. */
export const original = {
  getProperty: StyleContextStack.prototype.getProperty,
  getStyleProperty: StyleContextStack.getStyleProperty,
};

const isValue = (value: unknown): boolean => value !== undefined && value !== null;

/** A named style's property, following `extends` as pdfmake does (a cycle ends the search). */
function fromNamedStyle(dictionary: StyleStack['styleDictionary'], name: string, property: string, visited: Set<string> | null): unknown {
  const style = dictionary[name];
  if (!style) return undefined;
  if (isValue(style[property])) return style[property];
  if (style.extends) {
    const seen = visited ?? new Set<string>();
    if (seen.has(name)) return undefined;
    seen.add(name);
    const parents = (Array.isArray(style.extends) ? style.extends : [style.extends]) as string[];
    for (let i = parents.length - 1; i >= 0; i -= 1) {
      const value = fromNamedStyle(dictionary, parents[i]!, property, seen);
      if (isValue(value)) return value;
    }
  }
  return undefined;
}

function getProperty(this: StyleStack, property: string): unknown {
  const overrides = this.styleOverrides;
  if (overrides) {
    for (let i = overrides.length - 1; i >= 0; i -= 1) {
      const item = overrides[i]!;
      if (typeof item === 'string') {
        const value = fromNamedStyle(this.styleDictionary, item, property, null);
        if (isValue(value)) return value;
      } else if (isValue(item[property])) return item[property];
    }
  }
  return this.defaultStyle && this.defaultStyle[property];
}

/**
 * pdfmake: push the item (its named styles, then the item), read the property from the stack, pop. The
 * item itself was already found not to have it, so the walk starts at its named styles, last first.
 */
function getStyleProperty(item: StyleItem, stack: StyleStack | null | undefined, property: string, defaultValue: unknown): unknown {
  // As pdfmake: a string item's property is looked up too (String.prototype has a few).
  const own = (item as Record<string, unknown>)[property];
  if (isValue(own)) return own;
  if (!stack) return defaultValue;
  let value: unknown;
  if (typeof item !== 'string' && item.section === undefined && item.style) {
    const names = (Array.isArray(item.style) ? item.style : [item.style]) as string[];
    for (let i = names.length - 1; i >= 0 && !isValue(value); i -= 1) value = fromNamedStyle(stack.styleDictionary, names[i]!, property, null);
  }
  if (!isValue(value)) value = stack.getProperty(property);
  return isValue(value) ? value : defaultValue;
}

let installed = false;

/** Installs the replacements, once per process. */
export function installSpeedups(): void {
  if (installed) return;
  if (typeof original.getProperty !== 'function' || typeof original.getStyleProperty !== 'function') {
    throw new Error('pdfmake StyleContextStack has changed: pdfmake-speedups.ts needs updating');
  }
  StyleContextStack.prototype.getProperty = getProperty;
  StyleContextStack.getStyleProperty = getStyleProperty;
  installed = true;
}

/** For the equivalence test. */
export const replacements = { getProperty, getStyleProperty };
