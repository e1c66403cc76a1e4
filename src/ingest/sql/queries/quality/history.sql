-- Each metric's values over the last $runs other runs of $series (recorded before $before, when given).
with ranked as (
    select metric, value, row_number() over (partition by metric order by computed_at desc) as recent
    from run_quality
    where series = $series and run_id <> $run_id and value is not null
      and ($before is null or computed_at < $before)
)
select metric, list(value) from ranked where recent <= $runs group by metric
