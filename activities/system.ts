// Activities that prove the pieces work together: used by the systemCheck workflow.
import { Context } from '@temporalio/activity';
import type { ActivityDeps } from './deps';

export interface SystemCheckRecord {
  id: string;
  workflowId: string;
  worker: string;
  checkedAt: string;
  postgresVersion: string;
}

export function createSystemActivities({ prisma, workerIdentity }: ActivityDeps) {
  return {
    /** Writes one row per workflow run; a retried attempt finds the row and returns it unchanged. */
    async recordSystemCheck(): Promise<SystemCheckRecord> {
      const { workflowExecution } = Context.current().info;
      if (!workflowExecution) throw new Error('recordSystemCheck runs only inside a workflow');
      const id = `${workflowExecution.workflowId}/${workflowExecution.runId}`;
      const row = await prisma.systemCheck.upsert({
        where: { id },
        create: { id, workflowId: workflowExecution.workflowId, worker: workerIdentity },
        update: {},
      });
      const [{ version }] = await prisma.$queryRaw<
        { version: string }[]
      >`SELECT current_setting('server_version') AS version`;
      return {
        id,
        workflowId: row.workflowId,
        worker: row.worker,
        checkedAt: row.checkedAt.toISOString(),
        postgresVersion: version,
      };
    },
  };
}
