-- Articles sharing a text hash, canonical URL, LSH band or enough anchors with a probed one; the strongest per story.
-- The matching rows of the large tables were gathered first (dedupe/gather_*), each look-up filtered inside its scan.
with hits as (
    select p.article_key, o.article_key as other_key, 'exact' as kind, 0 as strength
    from probe_fingerprints p join dedupe_fingerprint_matches o on o.folded_text_hash = p.folded_text_hash
    union all
    select p.article_key, o.article_key, 'url', 0
    from probe_fingerprints p join dedupe_fingerprint_matches o on o.url_canonical = p.url_canonical
    union all
    select p.article_key, b.article_key, 'band', count(*)
    from probe_bands p join dedupe_band_postings b on b.hash = p.hash  -- gathered from dedupe_bands first
    group by all
    union all
    select p.article_key, a.article_key, 'anchor', count(*)
    from probe_anchors p join dedupe_anchor_postings a on a.hash = p.hash
    where p.hash not in (select hash from dedupe_common_anchors)  -- including those this batch made common
    group by all
),
paired as (
    select article_key, other_key, bool_or(kind = 'exact') as exact, bool_or(kind = 'url') as same_url,
           coalesce(sum(strength) filter (where kind = 'band'), 0) as bands,
           coalesce(sum(strength) filter (where kind = 'anchor'), 0) as shared_anchors
    from hits
    where other_key <> article_key
    group by all
),
named as (
    select n.article_id, o.article_id as other_id, p.exact, p.same_url, p.bands + p.shared_anchors as strength
    from paired p
    join probe_fingerprints n on n.article_key = p.article_key
    join dedupe_fingerprints o on o.article_key = p.other_key
    -- enough shared anchors that the shorter text may be contained in the other
    where p.exact or p.same_url or p.bands > 0 or p.shared_anchors >= greatest(1, 0.4 * least(n.anchors, o.anchors))
),
their_stories as (  -- the candidates' stories, looked up as the gathers do (ids are never empty)
    select s.article_id, s.story_id from article_stories s
    semi join (select other_id from named where other_id <> '') c on c.other_id = s.article_id
),
ranked as (
    select c.*, coalesce(s.story_id, c.other_id) as other_story, s.story_id is null as in_batch,
           row_number() over (partition by c.article_id, coalesce(s.story_id, c.other_id)
                              order by c.exact desc, c.same_url desc, c.strength desc, c.other_id) as rank
    from named c left join their_stories s on s.article_id = c.other_id
)
select article_id, other_id, other_story, exact, same_url, in_batch
from ranked
where rank <= ?
order by article_id, other_id
