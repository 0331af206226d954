import { parse } from 'acorn';

type AnyNode = { readonly type: string; readonly start: number; readonly end: number } & Record<string, unknown>;

function isNode(value: unknown): value is AnyNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** The object literal passed to the first call of `tool` in a plan, or undefined (no such call, not parseable, not a literal object). */
function firstToolArgs(code: string, tool: string): AnyNode | undefined {
  let program: AnyNode;
  try {
    program = parse(code, { ecmaVersion: 2022, sourceType: 'script', allowReturnOutsideFunction: true }) as unknown as AnyNode;
  } catch {
    return undefined;
  }
  const found: AnyNode[] = [];
  const visit = (node: AnyNode): void => {
    const callee = node.callee;
    if (node.type === 'CallExpression' && isNode(callee) && callee.type === 'Identifier' && callee.name === tool) {
      const [argument] = node.arguments as unknown[];
      if (isNode(argument) && argument.type === 'ObjectExpression') found.push(argument);
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === 'loc') continue;
      if (Array.isArray(value)) for (const item of value) if (isNode(item)) visit(item);
      if (isNode(value)) visit(value);
    }
  };
  visit(program);
  return found.sort((a, b) => a.start - b.start)[0];
}

function propertyNamed(args: AnyNode, key: string): AnyNode | undefined {
  return (args.properties as AnyNode[]).find((property) => {
    const name = property.key as AnyNode | undefined;
    return property.type === 'Property' && !property.computed && name !== undefined && (name.type === 'Identifier' ? name.name === key : name.value === key);
  });
}

/** The literal value of argument `key` in the first call of `tool` (a string, number, boolean or null), or undefined. */
export function readToolArg(code: string, tool: string, key: string): string | number | boolean | null | undefined {
  const args = firstToolArgs(code, tool);
  const value = args && (propertyNamed(args, key)?.value as AnyNode | undefined);
  if (!value) return undefined;
  if (value.type === 'Literal') return value.value as string | number | boolean | null;
  const operand = value.argument as AnyNode | undefined;
  if (value.type === 'UnaryExpression' && value.operator === '-' && operand?.type === 'Literal' && typeof operand.value === 'number') return -operand.value;
  return undefined;
}

/** Whether the plan calls `tool` with a literal object argument. */
export function callsTool(code: string, tool: string): boolean {
  return firstToolArgs(code, tool) !== undefined;
}

/**
 * The plan with argument `key` of the first call of `tool` set to `value` (replaced where it is
 * given, added where it is not), the rest of the plan byte for byte; undefined when the plan does
 * not call `tool` with a literal object.
 */
export function setToolArg(code: string, tool: string, key: string, value: string | number | boolean): string | undefined {
  const args = firstToolArgs(code, tool);
  if (!args) return undefined;
  const literal = JSON.stringify(value);
  const property = propertyNamed(args, key);
  if (property) {
    const old = property.value as AnyNode;
    return `${code.slice(0, old.start)}${literal}${code.slice(old.end)}`;
  }
  const properties = args.properties as AnyNode[];
  const last = properties.at(-1);
  if (!last) return `${code.slice(0, args.start)}{ ${key}: ${literal} }${code.slice(args.end)}`;
  return `${code.slice(0, last.end)}, ${key}: ${literal}${code.slice(last.end)}`;
}
