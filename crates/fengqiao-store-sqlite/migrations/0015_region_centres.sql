-- Where each village (or grid) lies, for the dashboard's schematic map.
CREATE TABLE region_centres (
    region_id BIGINT PRIMARY KEY REFERENCES regions (id),
    latitude  DOUBLE PRECISION NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude DOUBLE PRECISION NOT NULL CHECK (longitude BETWEEN -180 AND 180)
);
