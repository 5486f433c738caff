// systemCheck's input: nothing (or an empty object).
import { z } from 'zod';

export const systemCheckInput = z.undefined().or(z.object({}).strict());

export type SystemCheckInput = z.input<typeof systemCheckInput>;
