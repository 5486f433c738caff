// The queries every development workflow answers, defined once for the workflows and their clients.
import { defineQuery } from '@temporalio/workflow';
import type { WorkflowProgress } from './types';

export const progressQuery = defineQuery<WorkflowProgress>('progress');
