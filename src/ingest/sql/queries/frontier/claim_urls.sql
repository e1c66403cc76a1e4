-- A crawl's claim on the URLs it will fetch: until $until no other claim takes them (the fetch rows that settle
-- them set their state and not_before; a crawl that dies leaves them to the next claim once the lease ends).
update frontier set not_before = $until
where canonical_url in (select unnest($canonical_urls::varchar[]))
