import { useQuery } from '@tanstack/react-query';
import { call } from '../api/client';
import { endpoints } from '../api/endpoints';

/** The workspace summary (datasets, their purposes): cached for the session. */
export function useWorkspace() {
  return useQuery({ queryKey: ['workspace'], queryFn: () => call(endpoints.workspace), staleTime: 60_000 });
}
