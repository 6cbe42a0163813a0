#!/bin/sh
# Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d): the
# server includes the store's settings (deploy/postgres/shop.conf, mounted read-only), so that a
# change to that file takes effect on the next reload.
set -eu
echo "include_if_exists '/etc/postgresql/shop.conf'" >> "$PGDATA/postgresql.conf"
