-- The fts extension's index over article_text (title and body, porter stems, English stop words), built from scratch.
pragma create_fts_index('article_text', 'article_id', 'title', 'body', stemmer = 'porter', stopwords = 'english',
                        overwrite = 1)
