-- Why inputs were turned away, per stage.
create or replace view rejects_by_reason as
with counted as (
    select stage, reason, count(*) as rejects, max(rejected_at) as last_seen
    from rejects
    group by stage, reason
)
select * from counted order by rejects desc;
