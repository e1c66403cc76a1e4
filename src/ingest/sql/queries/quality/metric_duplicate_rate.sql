-- Figure: share of the run's ($run_id) articles linked as a duplicate of another.
with run_articles as (
    select a.* from articles a join loads l using (load_id) where l.run_id = $run_id
)
select avg((d.article_id is not null)::int) from run_articles r
left join (select distinct article_id from article_duplicates) d using (article_id)
