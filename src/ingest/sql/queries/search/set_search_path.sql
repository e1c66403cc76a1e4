-- The search path of a warehouse connection with the index attached: $search_path names the warehouse first.
set search_path = $search_path
