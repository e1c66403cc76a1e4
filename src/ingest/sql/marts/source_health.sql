-- Per source: the last success, how its last 50 fetches failed (share per outcome) and its median latency,
-- so a dying source shows here before the analysts notice missing articles. robots.txt fetches are left out.
-- A 200 page that was a bot wall, a paywall teaser or an empty shell is stored (its body is data) but counts as a
-- failure here, under its page verdict: the source gave no article.
create or replace view source_health as
with source_fetches as (
    select
        source_id,
        case when page_verdict in ('blocked', 'paywalled', 'js_required') then page_verdict else outcome end
            as outcome,
        elapsed_seconds,
        fetched_at,
        row_number() over (partition by source_id order by fetched_at desc, fetch_id) as recency
    from fetches
    where source_id is not null and purpose <> 'robots'
),
recent as (
    select * from source_fetches where recency <= 50
),
totals as (
    select
        source_id,
        count(*) as recent_fetches,
        count(*) filter (where outcome not in ('ok', 'not_modified')) as recent_failures,
        median(elapsed_seconds) as median_latency_seconds,
        max(fetched_at) as last_fetch_at
    from recent
    group by source_id
),
failure_shares as (
    select
        source_id,
        map_from_entries(list(struct_pack(k := outcome, v := share) order by outcome)) as failure_rate_by_outcome
    from (
        select source_id, outcome, round(count(*) / any_value(recent_fetches), 3) as share
        from recent
        join totals using (source_id)
        where outcome not in ('ok', 'not_modified')
        group by source_id, outcome
    )
    group by source_id
),
successes as (
    select source_id, max(fetched_at) as last_success_at
    from source_fetches
    where outcome in ('ok', 'not_modified')
    group by source_id
)
select
    s.source_id,
    s.kind,
    s.url,
    s.enabled,
    successes.last_success_at,
    totals.last_fetch_at,
    coalesce(totals.recent_fetches, 0) as recent_fetches,
    round(coalesce(totals.recent_failures, 0) / nullif(totals.recent_fetches, 0), 3) as failure_rate,
    coalesce(failure_shares.failure_rate_by_outcome, map()) as failure_rate_by_outcome,
    totals.median_latency_seconds
from sources s
left join totals using (source_id)
left join failure_shares using (source_id)
left join successes using (source_id)
order by failure_rate desc nulls last, s.source_id;
