// A table paged, sorted and filtered by the server (docs/api.md, paging): the page and sort the
// user chose, as the list's query (`limit`, `offset`, `sort`) and as antd Table props. Changing the
// sort or a filter goes back to the first page.

import type { TablePaginationConfig } from 'antd';
import type { SorterResult } from 'antd/es/table/interface';
import { useState } from 'react';

export type Sort<K extends string> = K | `-${K}`;

export function useServerTable<K extends string>(
  defaultSort: Sort<K>,
  sortable: readonly K[],
  pageSize = 20,
) {
  const [page, setPage] = useState({ current: 1, pageSize });
  const [sort, setSort] = useState<Sort<K>>(defaultSort);
  return {
    query: { limit: page.pageSize, offset: (page.current - 1) * page.pageSize, sort },
    /** A column's shown order (its `sortOrder`). */
    sortOrder: (key: K) =>
      sort === key ? ('ascend' as const) : sort === `-${key}` ? ('descend' as const) : null,
    pagination: (total: number, showTotal: (total: number) => string): TablePaginationConfig => ({
      current: page.current,
      pageSize: page.pageSize,
      total,
      showSizeChanger: true,
      pageSizeOptions: [20, 50, 100],
      hideOnSinglePage: total <= 20,
      showTotal,
    }),
    /** The Table's onChange: a new page, page size or sort. */
    onChange: <T>(
      pagination: TablePaginationConfig,
      _filters: unknown,
      sorter: SorterResult<T> | SorterResult<T>[],
    ) => {
      const one = Array.isArray(sorter) ? sorter[0] : sorter;
      const key = sortable.find((k) => k === one?.columnKey);
      const next: Sort<K> = key && one?.order ? (one.order === 'ascend' ? key : `-${key}`) : defaultSort;
      const size = pagination.pageSize ?? page.pageSize;
      if (next !== sort) {
        setSort(next);
        setPage({ current: 1, pageSize: size });
      } else setPage({ current: pagination.current ?? 1, pageSize: size });
    },
    /** Back to the first page (a filter changed). */
    restart: () => setPage((p) => ({ ...p, current: 1 })),
  };
}
