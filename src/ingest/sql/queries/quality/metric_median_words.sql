-- Figure: median body length in words of the run's ($run_id) articles.
with run_articles as (
    select a.* from articles a join loads l using (load_id) where l.run_id = $run_id
)
select median(word_count) from run_articles
