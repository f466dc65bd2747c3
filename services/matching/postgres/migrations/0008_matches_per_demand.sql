-- A demand's ranked list in one row, best first: it is always written and
-- read whole. As twenty rows a demand, each with its key and a foreign-key
-- check, it was matching's second largest write per demand, after the
-- notifications.
CREATE TABLE ranked_lists (
    demand_id      text   PRIMARY KEY REFERENCES demands (id),
    demand_version bigint NOT NULL,
    -- [{rank, product_id, producer_id, score, reasons}], best first
    ranked         jsonb  NOT NULL
);
INSERT INTO ranked_lists (demand_id, demand_version, ranked)
SELECT demand_id, max(demand_version),
       jsonb_agg(jsonb_build_object('rank', rank, 'product_id', product_id, 'producer_id', producer_id,
                                    'score', score, 'reasons', reasons) ORDER BY rank)
FROM matches GROUP BY demand_id;
DROP TABLE matches;
ALTER TABLE ranked_lists RENAME TO matches;
ALTER TABLE matches RENAME CONSTRAINT ranked_lists_pkey TO matches_pkey;
ALTER TABLE matches RENAME CONSTRAINT ranked_lists_demand_id_fkey TO matches_demand_id_fkey;
