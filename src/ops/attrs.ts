// Node attributes as the IR stores them (plain JSON values), what every op's parseAttrs reads.
// Declared here, with the ops, so src/ops depends on nothing above it; src/graph/ir.ts re-exports them.

export type AttrValue =
  | number | string | boolean | null
  | readonly number[] | readonly string[]
  | { readonly [key: string]: AttrValue };

export type Attrs = { readonly [key: string]: AttrValue };
