-- Parent View readings stored before the November 2025 question set was read were named by
-- the old page's number and words ("Q1. My child is happy at this school."). Readings are now
-- stored under one name per question both sets ask (spiders/parent_view_questions.py, SHARED,
-- as of this migration) and under their own words otherwise, so the old rows are renamed the
-- same way and each question's trend runs on from its history.

UPDATE series_points SET metric = CASE
    WHEN lower(metric) LIKE '%child is happy%' THEN 'My child is happy at this school'
    WHEN lower(metric) LIKE '%child feels safe%' THEN 'My child feels safe at this school'
    WHEN lower(metric) LIKE '%well behaved%'
        THEN 'The school makes sure its pupils are well behaved'
    WHEN lower(metric) LIKE '%dealt with the bullying quickly%'
        THEN 'Bullying is dealt with quickly and effectively'
    WHEN lower(metric) LIKE '%support they need to succeed%'
        THEN 'SEND: the school gives them the support they need to succeed'
    WHEN lower(metric) LIKE '%raised concerns%'
        THEN 'Concerns raised with the school are dealt with properly'
    ELSE regexp_replace(regexp_replace(metric, '^Q?[0-9]{1,2}[.:)]? +', ''), '\.\s*$', '')
END
WHERE series = 'parent_view' AND regexp_matches(metric, '^Q[0-9]{1,2}[.:)]? ');
