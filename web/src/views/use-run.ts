// One run as the dashboard shows it: GET /workflows/{id}, kept current by the run's live channel
// (`workflow:<id>`). Progress events are put straight into the cached answer (so a step's new
// status shows without a round trip); other events (approvals, the run's end) read it again. A run
// announces its end just before it closes, so after that the answer is asked for until Temporal
// says so. Shared by the run page and the designer's run view.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api';
import { useLive } from '../live';
import { apiRunPath, withProgressEvent, type Progress, type ProgressEvent, type RunDetail } from './workflow-api';

const ENDS = ['completed', 'failed', 'cancelled', 'terminated'];

export function useRun(id: string | undefined) {
  const client = useQueryClient();
  const key = ['run', id];
  const [ending, setEnding] = useState(false);
  const run = useQuery({
    queryKey: key,
    queryFn: () => api<RunDetail>(apiRunPath(id as string)),
    enabled: id !== undefined,
    refetchInterval: (q) => (ending && q.state.data?.status === 'running' ? 300 : false),
    staleTime: 0, // live only while shown
  });
  const refresh = () => void client.invalidateQueries({ queryKey: key });
  useLive(id ? `workflow:${id}` : undefined, (e) => {
    if (e.type === 'progress') {
      const d = e.data as ProgressEvent;
      client.setQueryData<RunDetail>(key, (r) => {
        if (!r) return r;
        const p: Progress = r.progress ?? { type: r.type, steps: [], completed: 0, total: 0, pendingApprovals: [] };
        return { ...r, progress: withProgressEvent(p, d) };
      });
    } else {
      if (ENDS.includes(e.type)) setEnding(true);
      refresh();
    }
  });
  return { run, refresh };
}
