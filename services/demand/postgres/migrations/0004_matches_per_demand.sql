-- A demand's matched products in one row, best first: matching always sends
-- the whole ranked list, and it is read whole, per demand. As twenty rows a
-- demand, each with its key, an index entry by producer (which no query
-- read) and a foreign-key check, they were the demand service's largest
-- write per demand.
CREATE TABLE matches (
    demand_id    text PRIMARY KEY REFERENCES demands (id),
    -- product_ids[i] is made by producer_ids[i]; i is its rank.
    product_ids  text[] NOT NULL,
    producer_ids text[] NOT NULL,
    CHECK (cardinality(product_ids) = cardinality(producer_ids))
);
INSERT INTO matches (demand_id, product_ids, producer_ids)
SELECT demand_id, array_agg(product_id ORDER BY rank), array_agg(producer_id ORDER BY rank)
FROM matched_products GROUP BY demand_id;
DROP TABLE matched_products;
