/**
 * Malformed and adversarial request bodies for the fuzz test, derived from a route's own zod
 * schema and a valid sample of it. The schema is read only to learn the sample's shape (which
 * values are strings, numbers, instants, which keys are required; which objects refuse unknown
 * keys is the contract's rule, `contractAllowsUnknownFields`);
 * every mutation is invalid under the API contract by construction, so a mutated body that the
 * API accepts is a bug — even if someone loosened the schema.
 */
import fc from 'fast-check';
import type * as z from 'zod/mini';

type Path = (string | number)[];
type Kind = 'string' | 'instant' | 'number' | 'boolean' | 'enum' | 'object' | 'array';

export interface ShapeNode {
  path: Path;
  kind: Kind;
  /** Objects: unknown keys are refused. */
  strict?: boolean;
  /** Objects: the keys the schema names, and those it requires. */
  keys?: string[];
  required?: string[];
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

interface Internals {
  _zod: { def: Record<string, any>; optin?: string };
}
const def = (schema: unknown) => (schema as Internals)._zod.def;

function unwrap(schema: z.ZodMiniType): z.ZodMiniType {
  let current = schema;
  for (;;) {
    const d = def(current);
    if (WRAPPERS.has(d['type'])) current = d['innerType'];
    else if (d['type'] === 'pipe') current = d['in'];
    else return current;
  }
}

/**
 * api.md: unknown fields are rejected everywhere but inside an event's `data` (the order system
 * owns that schema). Strictness is the contract's, not read from the schema, so a schema that
 * someone loosened still gets unknown fields thrown at it.
 */
export const contractAllowsUnknownFields = (path: Path) => path.includes('data');

/** Every node of `sample` with what the schema says it is. */
export function shapeOf(schema: z.ZodMiniType | undefined, sample: unknown): ShapeNode[] {
  const nodes: ShapeNode[] = [];
  if (!schema) {
    // A route without a body: any body at all is refused; treat it as a strict empty object.
    nodes.push({ path: [], kind: 'object', strict: true, keys: [], required: [] });
    return nodes;
  }
  const visit = (node: z.ZodMiniType, value: unknown, path: Path) => {
    const s = unwrap(node);
    const d = def(s);
    switch (d['type']) {
      case 'union': {
        const option = (d['options'] as z.ZodMiniType[]).find((o) => o.safeParse(value).success);
        if (!option) throw new Error(`Sample does not match the schema at ${path.join('.')}`);
        return visit(option, value, path);
      }
      case 'object': {
        const shape = d['shape'] as Record<string, z.ZodMiniType>;
        const keys = Object.keys(shape);
        const required = keys.filter((k) => (shape[k] as unknown as Internals)._zod.optin !== 'optional');
        nodes.push({ path, kind: 'object', strict: !contractAllowsUnknownFields(path), keys, required });
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (shape[k]) visit(shape[k], v, [...path, k]);
        return;
      }
      case 'array':
        nodes.push({ path, kind: 'array' });
        (value as unknown[]).forEach((v, i) => visit(d['element'], v, [...path, i]));
        return;
      case 'string':
        nodes.push({ path, kind: d['format'] === 'datetime' ? 'instant' : 'string' });
        return;
      case 'number':
        nodes.push({ path, kind: 'number' });
        return;
      case 'boolean':
        nodes.push({ path, kind: 'boolean' });
        return;
      case 'enum':
      case 'literal':
        nodes.push({ path, kind: 'enum' });
        return;
      default:
        throw new Error(`shapeOf: unhandled zod type ${d['type']} at ${path.join('.')}`);
    }
  };
  visit(schema, sample, []);
  return nodes;
}

export type Mutation =
  | { kind: 'wrong type'; path: Path; value: unknown }
  | { kind: 'unknown field'; path: Path; key: string; value: unknown }
  | { kind: 'missing field'; path: Path; key: string }
  | { kind: 'huge string'; path: Path; length: number }
  | { kind: 'bad money'; path: Path; literal: string }
  | { kind: 'bad instant'; path: Path; value: string }
  | { kind: 'deep nesting'; path: Path; depth: number };

/** Integers no contract field accepts: negative, fractional, beyond 2^53, not finite. */
export const BAD_NUMBERS = [
  '-1',
  '-9000',
  '-0.01',
  '0.5',
  '1.5',
  '9000.000001',
  '9007199254740992',
  '9007199254740993',
  '18014398509481984',
  '1e21',
  '1e300',
  '1e400',
  '-1e400',
  '1.7976931348623157e308',
];

/** Instants outside 2000–2100, without an offset, or not instants at all. */
export const BAD_INSTANTS = [
  '1999-12-31T23:59:59+08:00',
  '2101-01-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '+275760-09-13T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '1970-01-01T00:00:00Z',
  '2026-11-21T10:15:00',
  '2026-11-21',
  '2026-13-01T00:00:00Z',
  '2026-02-30T00:00:00+08:00',
  '2026-11-21T25:00:00+08:00',
  '2026-11-21T10:15:00+25:00',
  'yesterday',
  '',
];

/** Keys that must never be honoured, let alone reach a prototype. */
export const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'role', 'sub', 'buyerId', 'merchantId', 'isAdmin', 'status', 'amountFen'];

const jsonLeaf = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 20 }), fc.boolean(), fc.constant(null));
const anyJson = fc.oneof(
  { weight: 3, arbitrary: jsonLeaf },
  { weight: 1, arbitrary: fc.array(jsonLeaf, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), jsonLeaf, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.constant({ polluted: true, __proto__: null }) },
);

/** A JSON value that is certainly not of `kind`. */
function wrongTypeFor(kind: Kind): fc.Arbitrary<unknown> {
  const pools: Record<string, fc.Arbitrary<unknown>> = {
    number: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
    string: fc.string({ maxLength: 20 }),
    numericString: fc.constantFrom('100', '0', '-1', '1e3', 'NaN', 'Infinity', ''),
    boolean: fc.boolean(),
    booleanString: fc.constantFrom('true', 'false', 'yes', '1'),
    null: fc.constant(null),
    array: fc.array(jsonLeaf, { maxLength: 3 }),
    object: fc.dictionary(fc.string({ maxLength: 8 }), jsonLeaf, { maxKeys: 3 }),
  };
  const excluded: Record<Kind, string[]> = {
    string: ['string', 'numericString', 'booleanString'],
    instant: ['string', 'numericString', 'booleanString'],
    enum: ['string', 'numericString', 'booleanString'],
    number: ['number'],
    boolean: ['boolean'],
    object: ['object'],
    array: ['array'],
  };
  const allowed = Object.entries(pools).filter(([name]) => !excluded[kind].includes(name));
  const junk = kind === 'enum' ? [fc.constantFrom('', 'UNKNOWN', 'order.refunded', ' approve', 'APPROVE', 'gold')] : [];
  return fc.oneof(...allowed.map(([, arbitrary]) => arbitrary), ...junk);
}

/** The mutations that apply to a route's sample. */
export function mutationArbitrary(nodes: readonly ShapeNode[]): fc.Arbitrary<Mutation> {
  const of = (...kinds: Kind[]) => nodes.filter((n) => kinds.includes(n.kind));
  const pick = (list: readonly ShapeNode[]) => fc.constantFrom(...list);
  const options: fc.Arbitrary<Mutation>[] = [];
  options.push(pick(nodes).chain((node) => wrongTypeFor(node.kind).map((value): Mutation => ({ kind: 'wrong type', path: node.path, value }))));
  const strict = nodes.filter((n) => n.kind === 'object' && n.strict);
  if (strict.length > 0) {
    options.push(
      fc
        .tuple(pick(strict), fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ minLength: 1, maxLength: 30 })), anyJson)
        .filter(([node, key]) => !node.keys!.includes(key))
        .map(([node, key, value]): Mutation => ({ kind: 'unknown field', path: node.path, key, value })),
    );
  }
  const withRequired = nodes.filter((n) => n.kind === 'object' && (n.required?.length ?? 0) > 0);
  if (withRequired.length > 0) {
    options.push(
      pick(withRequired).chain((node) => fc.constantFrom(...node.required!).map((key): Mutation => ({ kind: 'missing field', path: node.path, key }))),
    );
  }
  const strings = of('string', 'instant', 'enum');
  if (strings.length > 0) {
    options.push(
      fc
        .tuple(
          pick(strings),
          fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 2049, max: 200_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 300_000, max: 400_000 }) }),
        )
        .map(([node, length]): Mutation => ({ kind: 'huge string', path: node.path, length })),
    );
  }
  const numbers = of('number');
  if (numbers.length > 0) {
    options.push(
      fc.tuple(pick(numbers), fc.constantFrom(...BAD_NUMBERS)).map(([node, literal]): Mutation => ({ kind: 'bad money', path: node.path, literal })),
    );
  }
  const instants = of('instant');
  if (instants.length > 0) {
    options.push(
      fc.tuple(pick(instants), fc.constantFrom(...BAD_INSTANTS)).map(([node, value]): Mutation => ({ kind: 'bad instant', path: node.path, value })),
    );
  }
  options.push(
    fc
      .tuple(pick(nodes.filter((n) => n.kind !== 'array' || n.path.length > 0)), fc.integer({ min: 50, max: 10_000 }))
      .map(([node, depth]): Mutation => ({ kind: 'deep nesting', path: node.path, depth })),
  );
  return fc.oneof(...options);
}

function parentOf(root: { body: unknown }, path: Path): { holder: any; key: string | number } | undefined {
  let holder: any = root;
  let key: string | number = 'body';
  for (const step of path) {
    holder = holder[key];
    if (holder === null || typeof holder !== 'object' || !(step in holder)) return undefined;
    key = step;
  }
  return { holder, key };
}

/**
 * Applies the mutations, in order, to a copy of the sample and serialises it. A mutation whose
 * path an earlier one removed is skipped; the first always applies. Returns the JSON text.
 */
export function mutatedBody(sample: unknown, mutations: readonly Mutation[]): { text: string; applied: Mutation[] } {
  const root = { body: structuredClone(sample) };
  const raws: string[] = [];
  const raw = (text: string) => {
    raws.push(text);
    return `@@raw${raws.length - 1}@@`;
  };
  const applied: Mutation[] = [];
  for (const mutation of mutations) {
    const at = parentOf(root, mutation.path);
    if (!at) continue;
    const { holder, key } = at;
    switch (mutation.kind) {
      case 'wrong type':
        holder[key] = mutation.value;
        break;
      case 'unknown field': {
        const target = holder[key];
        if (target === null || typeof target !== 'object' || Array.isArray(target)) continue;
        // defineProperty: `__proto__` becomes an own key, exactly as JSON.parse on the server makes it.
        Object.defineProperty(target, mutation.key, { value: mutation.value, enumerable: true, configurable: true, writable: true });
        break;
      }
      case 'missing field': {
        const target = holder[key];
        if (target === null || typeof target !== 'object' || !(mutation.key in target)) continue;
        delete target[mutation.key];
        break;
      }
      case 'huge string':
        holder[key] = 'x'.repeat(mutation.length);
        break;
      case 'bad money':
        holder[key] = raw(mutation.literal);
        break;
      case 'bad instant':
        holder[key] = mutation.value;
        break;
      case 'deep nesting':
        holder[key] = raw(`${'['.repeat(mutation.depth)}${']'.repeat(mutation.depth)}`);
        break;
    }
    applied.push(mutation);
  }
  let text = JSON.stringify(root.body);
  raws.forEach((literal, i) => (text = text.replace(`"@@raw${i}@@"`, literal)));
  return { text, applied };
}

/** Bodies that are not (valid) JSON at all. */
export function malformedJson(sampleText: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.integer({ min: 1, max: Math.max(1, sampleText.length - 1) }).map((n) => sampleText.slice(0, n)),
    fc.constantFrom(
      `${sampleText}x`,
      `${sampleText},`,
      `\ufeff${sampleText}`,
      sampleText.replaceAll('"', "'"),
      `{"amountFen": NaN}`,
      '{"a": Infinity}',
      '{"a": 1} // comment',
      '{,}',
      '[',
      'undefined',
      '{"a":1}{"b":2}',
    ),
    fc.string({ minLength: 1, maxLength: 50 }).filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    }),
  );
}

/** Valid JSON of the wrong shape at the root. */
export const wrongRoot = fc.oneof(
  fc.constantFrom('[]', '""', '0', '-1', 'null', 'true', 'false', '"{}"', '[{}]'),
  jsonLeaf.map((v) => JSON.stringify(v)),
);
