-- The rebuilt salience of the articles whose mentions moved (rebuilt_salience).
insert into article_entities by name select * from rebuilt_salience
