-- Figure: share of the run's ($run_id) articles with a language.
with run_articles as (
    select a.* from articles a join loads l using (load_id) where l.run_id = $run_id
)
select avg((language is not null)::int) from run_articles
