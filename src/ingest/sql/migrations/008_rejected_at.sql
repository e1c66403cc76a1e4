-- `at` is a DuckDB keyword: `order by at` is a syntax error unless quoted. The column says what it holds instead.
alter table rejects rename column "at" to rejected_at;
