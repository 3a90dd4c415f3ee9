import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import type { Enrollment, PlanId } from '#shared/rules/types.ts';
import { documentClient, tableName } from '#shared/store/client.ts';
import { keys } from '#shared/store/keys.ts';

/**
 * Seeds an enrollment item straight into the table (the join route has its own tests), so the
 * order and policy tests set up exactly the coverage they need, including past exits.
 */
export async function seedEnrollment(planId: PlanId, overrides: Partial<Enrollment> = {}): Promise<Enrollment> {
  const enrollment: Enrollment = {
    enrollmentId: `enr_${ulid()}`,
    merchantId: 'shop-9001',
    planId,
    status: 'ACTIVE',
    rateBps: planId === 'return-shipping' ? 0 : 15,
    agreementVersion: '2026-09',
    joinedAt: '2026-11-01T00:00:00+08:00',
    ...overrides,
  };
  await documentClient.send(
    new PutCommand({ TableName: tableName, Item: { ...keys.enrollment(enrollment.merchantId, enrollment.enrollmentId), entity: 'Enrollment', ...enrollment } }),
  );
  return enrollment;
}
