-- partext.partition_by(tbl, spec): the manifest of an Iceberg partition spec such as
-- 'month(ts), bucket(16, user_id)'. partext_spec_sql parses the spec and writes the query (one
-- scan grouping by partition_key per field, then partext_spec_manifest); query(...) runs it in
-- the caller's query, so it reads whatever the caller can (TEMP tables, DataFrames, open
-- transactions).
CREATE MACRO partext.main.partition_by(tbl, spec) AS TABLE
FROM query(partext_spec_sql([CAST(tbl AS VARCHAR)], [CAST(spec AS VARCHAR)], 'manifest', 'partition_by'));
-- partext.partition_keys(tbl, spec): the source's rows with one column per field of the spec,
-- each the field's value as partition_by groups by it (Iceberg's partition path text).
CREATE MACRO partext.main.partition_keys(tbl, spec) AS TABLE
FROM query(partext_spec_sql([CAST(tbl AS VARCHAR)], [CAST(spec AS VARCHAR)], 'keys', 'partition_keys'));
