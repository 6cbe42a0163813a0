#!/bin/sh
# Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d): the
# service's own role, which owns the shop database and nothing else. POSTGRES_USER stays the
# operator's superuser; the service never holds superuser rights (no COPY ... PROGRAM, no ALTER
# SYSTEM, no reading other databases if its password leaks).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v role="$SHOP_DB_USER" -v password="$SHOP_DB_PASSWORD" <<'SQL'
CREATE ROLE :"role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'password';
CREATE DATABASE shop OWNER :"role";
REVOKE ALL ON DATABASE shop FROM PUBLIC;
SQL
