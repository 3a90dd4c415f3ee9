import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag 3 runs as a CDK policy-validation plugin: `cdk synth` (and every test synth) fails on
 * an unacknowledged error. Acknowledgements are CDK's own `Validations.acknowledge`, one finding
 * id each, and must say why the finding does not apply *here*.
 */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}

/** Acknowledges findings on `scope` and everything under it; `reasons` maps finding id → why. */
export function acknowledge(scope: IConstruct, reasons: Readonly<Record<string, string>>): void {
  for (const [id, reason] of Object.entries(reasons)) Validations.of(scope).acknowledge({ id, reason });
}

/** Reasons shared by several constructs, written once so they stay identical. */
export const reasons = {
  nodeRuntime:
    'Pinned to nodejs22.x on purpose: the bundles target node22 and the project supports Node 20/22; ' +
    'moving to a newer runtime is a deliberate upgrade, not something a deploy should drift into.',
  xrayResourceStar:
    'X-Ray PutTraceSegments/PutTelemetryRecords (added by active tracing) do not support resource-level ' +
    'permissions, so their only possible Resource is *.',
  dlqIsTerminal:
    'This queue is itself a dead-letter queue: it is the end of the line, an operator inspects and redrives ' +
    'it after a fix, and its depth is alarmed. A redrive policy on a DLQ would only move failures elsewhere.',
  syncInvokeNoDlq:
    'Invoked synchronously (API Gateway or an EventBridge Pipe enrichment): a failure is returned to the ' +
    'caller, which retries or reports it, so there is no asynchronous event to dead-letter.',
  asyncUsesDestination:
    'Asynchronous failures go to an SQS on-failure destination (EventInvokeConfig), which records the ' +
    'request and the error; a DeadLetterConfig would duplicate it with less context.',
} as const;
