-- Figure: entities per enriched article of the run ($run_id).
with run_articles as (
    select a.* from articles a join loads l using (load_id) where l.run_id = $run_id
)
select avg(coalesce(m.n, 0)) from run_articles r
join article_enrichment e using (article_id)
left join (select article_id, count(*) as n from article_entities group by article_id) m using (article_id)
where e.status = 'enriched'
