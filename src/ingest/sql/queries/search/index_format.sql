-- The layout version of a search index file (its index_info row).
select format from index_info
