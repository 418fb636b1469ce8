import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { MailGatewayProps } from '../../../infra/mail-gateway.js';
import { MailGatewayStack } from '../../../infra/mail-gateway-stack.js';

// CloudFormation schema validation costs about 1.5 s per synth on this machine; the real
// synth in bundles.test.ts runs it once over the same template, strictly.
process.env.CDK_VALIDATION = 'false';

export type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; DependsOn?: unknown }
>;

/**
 * Synthesizes the stack without bundling (the bundles have their own test),
 * so each case takes milliseconds. Overrides may be computed from the app,
 * e.g. to import a key.
 */
export function buildTemplate(
  overrides: Partial<MailGatewayProps> | ((app: App) => Partial<MailGatewayProps>) = {},
): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const extra = typeof overrides === 'function' ? overrides(app) : overrides;
  const stack = new MailGatewayStack(app, 'Test', { gateway: { secretPrefix: 'mailgate/', ...extra } });
  return Template.fromStack(stack);
}

/** The stack as `cdk synth -c key=value` builds it: props from context only. */
export function buildTemplateFromContext(context: Record<string, unknown>): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  return Template.fromStack(new MailGatewayStack(app, 'Test'));
}

/**
 * Renders a CloudFormation value as text, with pseudo parameters and
 * references written `{Name}`, so an ARN pattern can be compared as one string.
 */
export function render(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if ('Ref' in record) return `{${String(record.Ref)}}`;
    if ('Fn::GetAtt' in record) return `{${(record['Fn::GetAtt'] as string[]).join('.')}}`;
    if ('Fn::Join' in record) {
      const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(separator);
    }
  }
  return JSON.stringify(value);
}

export interface PolicyStatementJson {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** Every statement of every IAM policy in the template, with the logical id of its role(s). */
export function policyStatements(template: Template): Array<PolicyStatementJson & { roles: string[] }> {
  const policies = template.findResources('AWS::IAM::Policy') as Resources;
  return Object.values(policies).flatMap((policy) => {
    const props = policy.Properties as {
      PolicyDocument: { Statement: PolicyStatementJson[] };
      Roles: Array<{ Ref: string }>;
    };
    return props.PolicyDocument.Statement.map((statement) => ({
      ...statement,
      roles: props.Roles.map((role) => role.Ref),
    }));
  });
}

/** The logical ids a resource's properties point at (Ref, Fn::GetAtt) plus its DependsOn. */
function referencesOf(resource: Resources[string]): string[] {
  const found: string[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'Ref' && typeof inner === 'string') found.push(inner);
        else if (key === 'Fn::GetAtt') found.push((inner as string[])[0]!);
        else walk(inner);
      }
    }
  };
  walk(resource.Properties);
  found.push(...asList((resource.DependsOn as string | string[] | undefined) ?? []));
  return found;
}

/** A dependency cycle among the template's resources, as the list of logical ids on it, or undefined. */
export function findCycle(resources: Resources): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done' || !(id in resources)) return undefined;
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    path.push(id);
    for (const next of referencesOf(resources[id]!)) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of Object.keys(resources)) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}
