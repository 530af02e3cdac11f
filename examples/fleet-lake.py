#!/usr/bin/env python3
"""Fleet query over an Avro lake written by `fsfault watch --avro-dir LAKE` on many hosts.

Per host and filesystem: kernel errors, deaths, first and last error, and on how many days
(dt = the UTC day the events happened). Offline: DuckDB plus its Avro extension from PyPI
(`pip install duckdb==1.5.5 duckdb-extension-avro==1.5.5`); the extension file is LOADed from the
wheel, nothing is downloaded. Usage: python3 examples/fleet-lake.py LAKE [--json]
"""
import glob
import json
import os
import sys

import duckdb
import duckdb_extension_avro

lake = sys.argv[1]
ext = glob.glob(os.path.join(os.path.dirname(duckdb_extension_avro.__file__), 'extensions', '*', 'avro.duckdb_extension'))[0]
con = duckdb.connect()
con.execute(f"LOAD '{ext}'")

QUERY = f"""
SELECT host,
       fs.device                         AS device,
       string_agg(DISTINCT fs.type, ',') AS types,
       sum(count)                        AS errors,
       count(*) FILTER (kind = 'DIED')   AS deaths,
       min(firstSeen)                    AS first_error,
       max(lastSeen)                     AS last_error,
       count(DISTINCT dt)                AS days
FROM read_avro('{lake}/*/*/*.avro', hive_partitioning = true)
WHERE kind IN ('ERROR', 'DIED', 'SUPPRESSED')
GROUP BY host, fs.device
ORDER BY errors DESC, host, device
"""

rel = con.sql(QUERY)
if '--json' in sys.argv:
    cols = rel.columns
    print(json.dumps([dict(zip(cols, row)) for row in rel.fetchall()], default=str))
else:
    print(rel)
