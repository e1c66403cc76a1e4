-- In a copied index: article copies whose version is no longer current (current_keys registered) are deleted.
delete from article_text t
where not exists (select 1 from current_keys c where c.article_id = t.article_id and c.load_id = t.load_id)
