-- A declared value an input gave that could not be used (a JSONL `published` that is not a date, a `title` that
-- is not a string). Unlike a reject, the input still loads, without that value; the row names input, field, value.
create table input_warnings (
    warning_id varchar primary key,
    input varchar not null,
    stage varchar not null,
    field varchar not null,
    value varchar,
    detail varchar,
    run_id varchar not null,
    warned_at timestamp not null,
    load_id varchar not null
);
