-- Figure: articles the run ($run_id) loaded.
with run_articles as (
    select a.* from articles a join loads l using (load_id) where l.run_id = $run_id
)
select count(*) from run_articles
