-- UNIQUE (parent_id, name) lets two top-level categories (or two roots) share a name, since
-- NULLs are distinct in SQL: the admin pages could add a second "森林防火" beside the first.
CREATE UNIQUE INDEX categories_top_name ON categories (name) WHERE parent_id IS NULL;
CREATE UNIQUE INDEX regions_top_name ON regions (name) WHERE parent_id IS NULL;
