-- An index of cases' text for search: character bigrams of number, title and body, kept by the
-- store when a case is written (contentless: the text itself stays in `cases`). Existing cases
-- are indexed when this migration is applied.

CREATE VIRTUAL TABLE case_text USING fts5(
    grams,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);
