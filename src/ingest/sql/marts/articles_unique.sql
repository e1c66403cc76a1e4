-- One article per story: the copy published first (earliest published_at, then first loaded).
create or replace view articles_unique as
with firsts as (
    select article_id, story_id, copies
    from article_copies
    where copy_rank = 1
)
select a.*, f.story_id, f.copies
from articles a
join firsts f on f.article_id = a.article_id;
