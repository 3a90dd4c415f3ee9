import { Aws } from 'aws-cdk-lib';

/**
 * Issue 21: the evidence bucket's name, fixed per stage, account and region, so the stateless
 * stack's grants name it directly (no cross-stack export, and a least-privilege ARN cdk-nag can
 * be told about by its exact text).
 */
export const evidenceBucketName = (stage: string) => `baozhang-${stage}-evidence-${Aws.ACCOUNT_ID}-${Aws.REGION}`;

export const evidenceBucketArn = (stage: string) => `arn:${Aws.PARTITION}:s3:::${evidenceBucketName(stage)}`;

/** Where uploads go: one object per item under `evidence/` (shared/evidence/port.ts). */
export const evidenceObjectsArn = (stage: string) => `${evidenceBucketArn(stage)}/evidence/*`;

/** The cdk-nag finding the objects grant raises, as it prints it. */
export const evidenceObjectsFinding = (stage: string) =>
  `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::baozhang-${stage}-evidence-<AWS::AccountId>-<AWS::Region>/evidence/*]`;
