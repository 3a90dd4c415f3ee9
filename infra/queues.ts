import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledge, reasons } from './nag.ts';

/**
 * A dead-letter queue: the longest retention SQS allows (time to notice the depth alarm, fix and
 * redrive), TLS only, SQS-managed encryption (which EventBridge, Scheduler, Pipes and Lambda
 * destinations can all write to without a key policy).
 */
export function deadLetterQueue(scope: Construct, id: string): Queue {
  const queue = new Queue(scope, id, {
    retentionPeriod: Duration.days(14),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });
  acknowledge(queue, { 'AwsSolutions-SQS3': reasons.dlqIsTerminal, 'Serverless-SQSRedrivePolicy': reasons.dlqIsTerminal });
  return queue;
}
