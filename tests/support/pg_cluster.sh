#!/usr/bin/env bash
# A private PostgreSQL cluster for the store tests on the second backend: initdb in DIR, the
# server listening on a Unix socket in DIR/socket only (no TCP: nothing off this machine can
# reach it), fsync on. Started and stopped by ctest (fixture "postgres", tests/CMakeLists.txt);
# tests get its URI in KOTONA_TEST_POSTGRES and create a fresh database each.
# Usage: pg_cluster.sh start DIR | stop DIR | uri DIR
#        pg_cluster.sh restart-immediate DIR | halt DIR | resume DIR   (fault tests: restart
#        without a clean shutdown; stop -m immediate; start the stopped cluster again)
# As root, the cluster runs as the `postgres` user of Debian's postgresql package (initdb
# refuses root). Needs: postgresql (deploy/install-deps.sh).
set -euo pipefail
action=${1:?usage: pg_cluster.sh start|stop|uri DIR}
dir=${2:?usage: pg_cluster.sh start|stop|uri DIR}
port=5432  # names the socket file only; the socket directory is private to DIR
if [[ $(id -u) -eq 0 ]]; then
  as_owner=(runuser -u postgres --)
  owner=postgres
else
  as_owner=()
  owner=$(id -un)
fi
uri="postgresql:///postgres?host=$dir/socket&port=$port&user=$owner"

[[ $action == uri ]] && { echo "$uri"; exit 0; }
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x $bin/initdb ]] || { echo "pg_cluster: PostgreSQL server not installed (apt-get install postgresql)" >&2; exit 2; }

case $action in
  start)
    "$0" stop "$dir" >/dev/null 2>&1 || true
    rm -rf "$dir"
    mkdir -p "$dir/socket"
    chmod 755 "$dir"
    [[ ${#as_owner[@]} -eq 0 ]] || chown -R postgres "$dir"
    "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U "$owner" --auth=trust -E UTF8 \
      --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
      -o "-c listen_addresses='' -k $dir/socket -p $port -c fsync=on -c max_connections=200" \
      >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "$uri" >"$dir/uri"
    echo "pg_cluster: started in $dir ($("$bin/postgres" --version))"
    ;;
  stop)
    [[ -d $dir/data ]] || exit 0
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    echo "pg_cluster: stopped"
    ;;
  restart-immediate)
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m immediate -w -t 60 \
      restart >/dev/null || { tail -n 20 "$dir/server.log" >&2; exit 1; }
    ;;
  halt)
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
  resume)
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
      -o "-c listen_addresses='' -k $dir/socket -p $port -c fsync=on -c max_connections=200" \
      >/dev/null || { tail -n 20 "$dir/server.log" >&2; exit 1; }
    ;;
  *) echo "usage: pg_cluster.sh start|stop|uri|restart-immediate|halt|resume DIR" >&2; exit 2 ;;
esac
