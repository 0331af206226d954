import { type Node, parse } from 'acorn';
import type { z } from 'zod';
import { halsteadOf, type HalsteadMeasures } from './halstead.js';
import type { PlanViolation, PlanViolationCode } from './plan-violation.js';

/** What the Evaluator knows of a tool: its argument schema and the business rules checkable before running. */
export interface PlanTool {
  readonly args: z.ZodObject;
  /** Rules that can be judged from literal arguments alone; each returned string is a violation. */
  readonly staticRules?: (args: Record<string, unknown>) => string[];
}

export type PlanToolCatalog = Readonly<Record<string, PlanTool>>;

/** One tool call of a plan: the tool and those of its arguments written as literals (computed ones are left out). */
export interface PlanToolCall {
  readonly tool: string;
  readonly args: Readonly<Record<string, unknown>>;
}

export type PlanCheck =
  | { readonly ok: true; readonly halstead: HalsteadMeasures; readonly toolCalls: readonly string[]; readonly calls: readonly PlanToolCall[] }
  | { readonly ok: false; readonly violations: readonly PlanViolation[]; readonly halstead?: HalsteadMeasures };

/**
 * The plan language: a function body in a small JavaScript subset — const/let, if/else, for…of,
 * return, expressions over literals, objects, arrays, property reads and calls to known tools.
 * No functions, classes, `new`, `this`, loops without a bound, or any way towards globals.
 */
const ALLOWED_NODES = new Set([
  'Program', 'ExpressionStatement', 'VariableDeclaration', 'VariableDeclarator', 'Identifier', 'Literal', 'TemplateLiteral',
  'TemplateElement', 'ObjectExpression', 'Property', 'ArrayExpression', 'MemberExpression', 'ChainExpression', 'CallExpression',
  'IfStatement', 'BlockStatement', 'ReturnStatement', 'ForOfStatement', 'BreakStatement', 'ContinueStatement', 'BinaryExpression',
  'LogicalExpression', 'UnaryExpression', 'ConditionalExpression', 'AssignmentExpression', 'UpdateExpression', 'EmptyStatement',
]);

const FORBIDDEN_IDENTIFIERS = new Set([
  'eval', 'Function', 'globalThis', 'global', 'window', 'self', 'require', 'process', 'module', 'exports', 'arguments', 'Reflect',
  'Proxy', 'WebAssembly', 'Object', 'Symbol', '__host_call', 'constructor', 'prototype', '__proto__', 'import',
]);
const FORBIDDEN_PROPERTIES = new Set(['constructor', 'prototype', '__proto__', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);

type AnyNode = Node & Record<string, unknown>;

function isNode(value: unknown): value is AnyNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

function children(node: AnyNode): AnyNode[] {
  return Object.entries(node).flatMap(([key, value]) => (key === 'loc' ? [] : Array.isArray(value) ? value.filter(isNode) : isNode(value) ? [value] : []));
}

/** A literal object argument, as plain data, or undefined where a value is computed at run time. */
function staticValue(node: AnyNode): { known: boolean; value?: unknown } {
  if (node.type === 'Literal') return { known: true, value: node.value };
  if (node.type === 'UnaryExpression' && node.operator === '-' && isNode(node.argument) && node.argument.type === 'Literal' && typeof node.argument.value === 'number') {
    return { known: true, value: -node.argument.value };
  }
  if (node.type === 'ArrayExpression') {
    const items = (node.elements as AnyNode[]).map(staticValue);
    return items.every((item) => item.known) ? { known: true, value: items.map((item) => item.value) } : { known: false };
  }
  if (node.type === 'TemplateLiteral' && (node.expressions as unknown[]).length === 0) {
    return { known: true, value: (node.quasis as Array<{ value: { cooked: string } }>)[0]?.value.cooked };
  }
  return { known: false };
}

function propertyKey(property: AnyNode): string | undefined {
  const key = property.key as AnyNode;
  if (property.computed) return undefined;
  return key.type === 'Identifier' ? (key.name as string) : key.type === 'Literal' ? String(key.value) : undefined;
}

/** Parses, checks the subset, the tools and their arguments; measures Halstead's complexity. */
export function validatePlan(code: string, tools: PlanToolCatalog): PlanCheck {
  let program: AnyNode;
  try {
    program = parse(code, { ecmaVersion: 2022, sourceType: 'script', allowReturnOutsideFunction: true, locations: true }) as unknown as AnyNode;
  } catch (error) {
    const { line = 1, column = 0 } = (error as { loc?: { line: number; column: number } }).loc ?? {};
    return { ok: false, violations: [{ code: 'SYNTAX', message: (error as Error).message, line, column }] };
  }
  const violations: PlanViolation[] = [];
  const toolCalls: string[] = [];
  const calls: PlanToolCall[] = [];
  const report = (node: AnyNode, code: PlanViolationCode, message: string) =>
    violations.push({ code, message, line: node.loc?.start.line ?? 1, column: node.loc?.start.column ?? 0 });

  const checkCall = (call: AnyNode) => {
    const callee = call.callee as AnyNode;
    if (callee.type !== 'Identifier') return report(call, 'FORBIDDEN_SYNTAX', 'only tools may be called, by name (no methods)');
    const name = callee.name as string;
    if (FORBIDDEN_IDENTIFIERS.has(name)) return report(call, 'FORBIDDEN_IDENTIFIER', `${name} is not available to plans`);
    const tool = tools[name];
    if (!tool) return report(call, 'UNKNOWN_TOOL', `${name} is not a tool; tools: ${Object.keys(tools).join(', ')}`);
    toolCalls.push(name);
    const args = call.arguments as AnyNode[];
    if (args.length !== 1 || args[0]?.type !== 'ObjectExpression') return report(call, 'ARGUMENT_INVALID', `${name} takes one object argument`);
    const shape = tool.args.shape as Record<string, z.ZodType>;
    const literal: Record<string, unknown> = {};
    calls.push({ tool: name, args: literal });
    let allKnown = true;
    for (const property of args[0].properties as AnyNode[]) {
      const key = property.type === 'Property' ? propertyKey(property) : undefined;
      if (key === undefined) {
        report(property, 'ARGUMENT_INVALID', `${name}: argument keys must be plain names`);
        continue;
      }
      const field = shape[key];
      if (!field) {
        report(property, 'ARGUMENT_INVALID', `${name}: unknown argument ${key}; expected ${Object.keys(shape).join(', ')}`);
        continue;
      }
      const value = staticValue(property.value as AnyNode);
      if (!value.known) {
        allKnown = false;
        continue;
      }
      literal[key] = value.value;
      const parsed = field.safeParse(value.value);
      if (!parsed.success) report(property, 'ARGUMENT_INVALID', `${name}.${key}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
    }
    if (!allKnown) return;
    const whole = tool.args.safeParse(literal);
    if (!whole.success) {
      for (const issue of whole.error.issues) if (issue.path.length === 0 || !(String(issue.path[0]) in literal)) report(call, 'ARGUMENT_INVALID', `${name}.${issue.path.join('.') || '(arguments)'}: ${issue.message}`);
      return;
    }
    for (const rule of tool.staticRules?.(whole.data as Record<string, unknown>) ?? []) report(call, 'RULE_VIOLATION', `${name}: ${rule}`);
  };

  const visit = (node: AnyNode) => {
    if (!ALLOWED_NODES.has(node.type)) return report(node, 'FORBIDDEN_SYNTAX', `${node.type} is not allowed in plans`);
    switch (node.type) {
      case 'Identifier':
        if (FORBIDDEN_IDENTIFIERS.has(node.name as string)) report(node, 'FORBIDDEN_IDENTIFIER', `${node.name as string} is not available to plans`);
        break;
      case 'MemberExpression': {
        const property = node.property as AnyNode;
        const name = node.computed ? (property.type === 'Literal' ? String(property.value) : undefined) : (property.name as string);
        if (name !== undefined && FORBIDDEN_PROPERTIES.has(name)) report(node, 'FORBIDDEN_IDENTIFIER', `.${name} is not available to plans`);
        if (node.computed && property.type !== 'Literal' && property.type !== 'Identifier') report(node, 'FORBIDDEN_SYNTAX', 'computed property access must use a literal or a variable');
        visit(node.object as AnyNode);
        if (node.computed) visit(property);
        return;
      }
      case 'Property':
        if (node.kind !== 'init' || node.method) report(node, 'FORBIDDEN_SYNTAX', 'getters, setters and methods are not allowed');
        if (node.computed) report(node, 'FORBIDDEN_SYNTAX', 'computed keys are not allowed');
        visit(node.value as AnyNode);
        return;
      case 'VariableDeclaration':
        if (node.kind === 'var') report(node, 'FORBIDDEN_SYNTAX', 'use const or let');
        break;
      case 'UnaryExpression':
        if (node.operator === 'delete') report(node, 'FORBIDDEN_SYNTAX', 'delete is not allowed');
        break;
      case 'AssignmentExpression':
      case 'UpdateExpression': {
        const target = (node.left ?? node.argument) as AnyNode;
        if (target.type !== 'Identifier') report(node, 'FORBIDDEN_SYNTAX', 'only local variables may be assigned');
        break;
      }
      case 'CallExpression':
        checkCall(node);
        if ((node.callee as AnyNode).type !== 'Identifier') visit(node.callee as AnyNode);
        for (const argument of node.arguments as AnyNode[]) visit(argument);
        return;
    }
    for (const child of children(node)) visit(child);
  };
  visit(program);
  if (!violations.length && !(program.body as AnyNode[]).some(function hasReturn(statement: AnyNode): boolean {
    return statement.type === 'ReturnStatement' || children(statement).some(hasReturn);
  })) {
    report(program, 'NO_RETURN', 'a plan must return what the Explainer should tell the customer about');
  }
  const halstead = safeHalstead(program);
  return violations.length ? { ok: false, violations, ...(halstead ? { halstead } : {}) } : { ok: true, halstead: halstead ?? ZERO_HALSTEAD, toolCalls, calls };
}

const ZERO_HALSTEAD: HalsteadMeasures = { vocabulary: 0, length: 0, volume: 0, difficulty: 0, effort: 0 };

function safeHalstead(program: object): HalsteadMeasures | undefined {
  try {
    return halsteadOf(program);
  } catch {
    return undefined;
  }
}
